//! Members' display names, which belong to the auth service: read from its
//! `GET /api/v1/auth/me` with the caller's own token when the caller joins a
//! family, and kept on the membership. The auth service being down never
//! fails a request here: the name is then `null` until the member next joins.

use std::time::Duration;

use serde::Deserialize;

/// How long the auth service gets to answer: a join waits at most this long.
const TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct Profiles {
    client: reqwest::Client,
    me_url: String,
}

#[derive(Deserialize)]
struct Me {
    display_name: Option<String>,
}

impl Profiles {
    pub fn new(auth_service_url: &str) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: reqwest::Client::builder().timeout(TIMEOUT).build()?,
            me_url: format!("{auth_service_url}/api/v1/auth/me"),
        })
    }

    /// The display name of the holder of `access_token`, or `None` when they
    /// have none or the auth service cannot say.
    pub async fn display_name(&self, access_token: &str) -> Option<String> {
        let answer = self
            .client
            .get(&self.me_url)
            .bearer_auth(access_token)
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => response
                .json::<Me>()
                .await
                .ok()
                .and_then(|me| me.display_name),
            Ok(response) => {
                tracing::warn!(
                    status = response.status().as_u16(),
                    "auth service refused /me; display name unknown"
                );
                None
            }
            Err(err) => {
                tracing::warn!(error = %err, "auth service unreachable; display name unknown");
                None
            }
        }
    }
}
