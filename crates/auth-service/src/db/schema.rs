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
