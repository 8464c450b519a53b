//! Prints the median time of one Argon2id verification with the default parameters, in
//! milliseconds (used by the benchmark harness to compute the machine's Argon2 capacity).

use std::time::Instant;

use oauth_apps_argon2::{Argon2Hasher, HasherConfig};
use oauth_apps_domain::{ClientSecret, SecretHasher};

#[allow(clippy::print_stdout, clippy::unwrap_used)]
fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    runtime.block_on(async {
        let hasher = Argon2Hasher::new(HasherConfig::default()).unwrap();
        let secret = ClientSecret::from_random_bytes(&[7; 32]);
        let hash = hasher.hash(&secret, "bench").await.unwrap();
        let mut times: Vec<f64> = Vec::new();
        for _ in 0..15 {
            let started = Instant::now();
            assert!(
                hasher
                    .verify(secret.expose(), &hash, "bench")
                    .await
                    .unwrap()
            );
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!("{:.3}", times[times.len() / 2]);
    });
}
