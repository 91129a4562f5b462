service_kit::service_main!(
    name: "auth-service",
    port: 8000,
    settings: auth_service::config::Settings,
    migrate: auth_service::db::run_migrations,
    app: auth_service::startup::Application,
);
