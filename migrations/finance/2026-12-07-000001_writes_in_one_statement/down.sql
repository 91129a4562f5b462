DROP FUNCTION take_idempotency_key;
DROP FUNCTION record_transaction;
