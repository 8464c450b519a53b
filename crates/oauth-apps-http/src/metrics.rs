//! Request metrics in the Prometheus text format: counts and latency histograms by route,
//! method and status, plus gauges that the binary registers (pool and hasher saturation).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// A gauge: reads its current value.
pub type Gauge = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The collected metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    gauges: Vec<(String, String, Gauge)>,
}

impl Metrics {
    /// Empty metrics with `gauges`: (name, help, read).
    #[must_use]
    pub fn new(gauges: Vec<(String, String, Gauge)>) -> Self {
        Self {
            requests: Mutex::default(),
            gauges,
        }
    }

    /// Records one answered request.
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let series = requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default();
        series.count += 1;
        series.sum += seconds;
        for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        out.push_str(
            "# HELP http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE http_requests_total counter\n");
        for ((route, method, status), s) in requests.iter() {
            let _ = writeln!(
                out,
                "http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer, by route, method and status.\n",
        );
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in requests.iter() {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (bound, count) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        for (name, help, read) in &self.gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                read()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_buckets_and_gauges_render() {
        let m = Metrics::new(vec![(
            "hasher_in_flight".into(),
            "Hashes running.".into(),
            Arc::new(|| 3.0),
        )]);
        m.record("/a/{id}", "GET", 200, Duration::from_millis(3));
        m.record("/a/{id}", "GET", 200, Duration::from_millis(30));
        m.record("/a/{id}", "GET", 404, Duration::from_millis(1));
        let text = m.render();
        assert!(
            text.contains(r#"http_requests_total{route="/a/{id}",method="GET",status="200"} 2"#)
        );
        assert!(
            text.contains(r#"http_requests_total{route="/a/{id}",method="GET",status="404"} 1"#)
        );
        assert!(text.contains(
            r#"http_request_duration_seconds_bucket{route="/a/{id}",method="GET",status="200",le="0.005"} 1"#
        ));
        assert!(text.contains(
            r#"http_request_duration_seconds_bucket{route="/a/{id}",method="GET",status="200",le="0.05"} 2"#
        ));
        assert!(text.contains("hasher_in_flight 3"));
    }
}
