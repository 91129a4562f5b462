DROP TABLE user_merges;
