//! Request metrics in the Prometheus text format: counts and latency histograms by route,
//! method and status, plus gauges that the binary registers (pool and hasher saturation).
//!
//! Every label value comes from a closed set, whatever a client sends: the route is the
//! matched route pattern (or `unmatched`), the method one of the methods this service
//! knows (or `other`), the status one the server answered. So the number of series is
//! bounded by the routes the server has, not by its traffic.
//!
//! Recording never waits for rendering: each series is a set of atomic counters, the map
//! of series is only locked to find or add one, and rendering copies the list of series
//! out before it formats anything or reads a gauge.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use actix_web::http::Method;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The route label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The method label of a request whose method this service does not know.
pub const OTHER_METHOD: &str = "other";

/// The label of `method`: its name when it is one of HTTP's registered methods that this
/// service could answer, [`OTHER_METHOD`] for anything else (a client can send any token
/// as a method).
#[must_use]
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => OTHER_METHOD,
    }
}

#[derive(Default)]
struct Series {
    count: AtomicU64,
    /// The sum of the latencies, in nanoseconds.
    sum_nanos: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

impl Series {
    fn observe(&self, seconds: f64, nanos: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A series' labels: route pattern, method label, status.
type Key = (String, &'static str, u16);

/// A gauge: reads its current value.
pub type Gauge = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The collected metrics.
#[derive(Default)]
pub struct Metrics {
    requests: RwLock<HashMap<Key, Arc<Series>>>,
    gauges: Vec<(String, String, Gauge)>,
}

impl Metrics {
    /// Empty metrics with `gauges`: (name, help, read).
    #[must_use]
    pub fn new(gauges: Vec<(String, String, Gauge)>) -> Self {
        Self {
            requests: RwLock::default(),
            gauges,
        }
    }

    /// Records one answered request. `route` is a route pattern of this service or
    /// [`UNMATCHED_ROUTE`], never a path a client sent.
    pub fn record(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let method = method_label(method);
        let found = self
            .requests
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(route.to_owned(), method, status))
            .cloned();
        let series = found.unwrap_or_else(|| {
            self.requests
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry((route.to_owned(), method, status))
                .or_default()
                .clone()
        });
        series.observe(seconds, nanos);
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut series: Vec<(Key, Arc<Series>)> = self
            .requests
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::new();
        out.push_str(
            "# HELP http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE http_requests_total counter\n");
        for ((route, method, status), s) in &series {
            let _ = writeln!(
                out,
                "http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer, by route, method and status.\n",
        );
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in &series {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (bound, count) in BUCKETS.iter().zip(&s.buckets) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    count.load(Ordering::Relaxed)
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            #[allow(clippy::cast_precision_loss)]
            let sum = s.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {count}"
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
        m.record("/a/{id}", &Method::GET, 200, Duration::from_millis(3));
        m.record("/a/{id}", &Method::GET, 200, Duration::from_millis(30));
        m.record("/a/{id}", &Method::GET, 404, Duration::from_millis(1));
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
        assert!(text.contains(
            r#"http_request_duration_seconds_sum{route="/a/{id}",method="GET",status="200"} 0.033"#
        ));
        assert!(text.contains("hasher_in_flight 3"));
    }

    #[test]
    fn made_up_methods_share_one_label() {
        let m = Metrics::default();
        for i in 0..40 {
            let name = format!("Z{i:03}{}", "C".repeat(60_000));
            let method = Method::from_bytes(name.as_bytes()).unwrap();
            m.record(UNMATCHED_ROUTE, &method, 404, Duration::from_millis(1));
        }
        let text = m.render();
        assert!(
            text.contains(
                r#"http_requests_total{route="unmatched",method="other",status="404"} 40"#
            ),
            "{text}"
        );
        assert!(text.len() < 4_000, "{} bytes", text.len());
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(
            method_label(&Method::from_bytes(b"get").unwrap()),
            OTHER_METHOD
        );
    }

    #[test]
    fn recording_does_not_wait_for_rendering() {
        // A gauge that records a request from another thread while the exposition is
        // being rendered: if rendering held the lock that recording needs, the other
        // thread could not finish and the gauge would report 0.
        let m = Arc::new(std::sync::OnceLock::<Arc<Metrics>>::new());
        let handle = m.clone();
        let gauge: Gauge = Arc::new(move || {
            let metrics = handle.get().unwrap().clone();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                metrics.record("/new", &Method::POST, 201, Duration::from_millis(1));
                let _ = tx.send(());
            });
            f64::from(u8::from(rx.recv_timeout(Duration::from_secs(2)).is_ok()))
        });
        let metrics = Arc::new(Metrics::new(vec![("recorded".into(), "x".into(), gauge)]));
        metrics.record("/old", &Method::GET, 200, Duration::from_millis(1));
        assert!(m.set(metrics.clone()).is_ok());
        let text = metrics.render();
        assert!(text.contains("recorded 1"), "{text}");
        assert!(metrics.render().contains(r#"route="/new""#));
    }
}
