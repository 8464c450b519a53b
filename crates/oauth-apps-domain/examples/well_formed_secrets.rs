//! Prints N distinct well-formed (but unregistered) client secrets, one per line: load for
//! the "cold verification" benchmark, where every check must pay for a full hash.

use oauth_apps_domain::testing::SeededRandom;
use oauth_apps_domain::{ClientSecret, RandomSource};

#[allow(clippy::print_stdout, clippy::unwrap_used)]
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let random = SeededRandom::new(42);
    for _ in 0..n {
        let mut bytes = [0u8; 32];
        random.fill(&mut bytes).unwrap();
        println!("{}", ClientSecret::from_random_bytes(&bytes).expose());
    }
}
