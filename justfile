# Recipes for those who have `just`; each wraps a command that works without it.

# Run the server on the embedded default (SQLite).
run:
    cargo run --release

# Run every test (installs and starts what the tests need).
test:
    bash scripts/test

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Mutation testing of the domain crate.
mutants:
    cargo mutants -p oauth-apps-domain --all-features --test-tool nextest

# The benchmark suite (writes docs/performance.md). BENCH_APPS=1000000 for 1M applications.
bench:
    bash bench/run

# Every fuzz target for FUZZ_SECONDS each (default 600; needs nightly, installs cargo-fuzz).
fuzz *targets:
    bash scripts/fuzz {{targets}}

# deploy/ against the Kubernetes, Compose and Dockerfile checkers (as CI does).
check-deploy:
    bash scripts/check-deploy
