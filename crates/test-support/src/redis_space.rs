/// A Redis key prefix of its own for one test; its keys are deleted on drop.
pub struct TestRedis {
    url: String,
    prefix: String,
}

impl TestRedis {
    pub fn new() -> Self {
        let url =
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
        Self { url, prefix }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A connection for assertions on the keys (add the prefix yourself).
    pub async fn connect(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url.as_str())
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to TEST_REDIS_URL")
    }

    /// The keys under this prefix, without the prefix.
    pub async fn keys(&self) -> Vec<String> {
        let mut conn = self.connect().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query_async(&mut conn)
            .await
            .expect("KEYS");
        keys.into_iter()
            .map(|k| k.trim_start_matches(&self.prefix).to_owned())
            .collect()
    }
}

impl Default for TestRedis {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let (url, pattern) = (self.url.clone(), format!("{}*", self.prefix));
        crate::block_on_side_thread(async move {
            let Ok(client) = redis::Client::open(url.as_str()) else {
                return;
            };
            let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
            }
        });
    }
}
