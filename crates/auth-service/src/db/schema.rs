// @generated-style: mirrors migrations/auth exactly as `diesel print-schema` writes it.

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        email_verified -> Bool,
        telegram_id -> Nullable<Int8>,
        telegram_username -> Nullable<Text>,
        display_name -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    account_tokens (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        purpose -> Text,
        email -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(account_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(account_tokens, users,);
