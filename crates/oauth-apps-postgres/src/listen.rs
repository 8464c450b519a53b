//! Receives the changes the database announces (`NOTIFY oauth_apps_changes`), so that
//! every replica's read cache forgets what another replica changed.

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::StreamExt;

/// The channel the migrations' trigger announces changes on.
pub const CHANNEL: &str = "oauth_apps_changes";
/// The `application_name` of the listening connection.
pub const LISTENER_NAME: &str = "oauth-apps-listener";

const IDLE_CHECK: Duration = Duration::from_millis(100);
const PING_TIMEOUT: Duration = Duration::from_millis(500);
const RETRY: Duration = Duration::from_millis(250);

/// Listens forever: `on_change(client_id)` for every announced change;
/// `on_listening(true)` once announcements are received (everything before may have been
/// missed), `on_listening(false)` as soon as they may not be (connection lost), then
/// reconnects.
pub async fn listen_for_changes(
    url: String,
    on_change: impl Fn(&str) + Send + Sync + 'static,
    on_listening: impl Fn(bool) + Send + Sync + 'static,
) {
    loop {
        if let Ok(mut conn) = AsyncPgConnection::establish(&url).await {
            let setup = format!("SET application_name = '{LISTENER_NAME}'; LISTEN {CHANNEL}");
            if conn.batch_execute(&setup).await.is_ok() {
                on_listening(true);
                receive(&mut conn, &on_change).await;
            }
        }
        on_listening(false);
        tokio::time::sleep(RETRY).await;
    }
}

/// Hands over notifications until the connection fails.
async fn receive(conn: &mut AsyncPgConnection, on_change: &impl Fn(&str)) {
    loop {
        let next = {
            let stream = conn.notifications_stream();
            let mut stream = std::pin::pin!(stream);
            tokio::time::timeout(IDLE_CHECK, stream.next()).await
        };
        match next {
            Ok(Some(Ok(notification))) => on_change(&notification.payload),
            Ok(Some(Err(_)) | None) => return,
            Err(_idle) => {
                let ping = diesel::sql_query("SELECT 1").execute(conn);
                if !matches!(tokio::time::timeout(PING_TIMEOUT, ping).await, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}
