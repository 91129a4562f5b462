service_kit::service_main!(
    name: "finance-service",
    port: 8001,
    settings: finance_service::config::Settings,
    migrate: finance_service::db::run_migrations,
    app: finance_service::startup::Application,
);
