//! Summaries of latency samples.

use std::time::Duration;

use serde_json::{Value, json};

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub count: usize,
    pub min: f64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    /// Summarizes durations in milliseconds; percentiles by the nearest-rank method.
    pub fn of(samples: &[Duration]) -> Summary {
        let mut ms: Vec<f64> = samples.iter().map(|it| it.as_secs_f64() * 1000.0).collect();
        if ms.is_empty() {
            return Summary::default();
        }
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| ms[((p / 100.0 * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        Summary {
            count: ms.len(),
            min: ms[0],
            p50: rank(50.0),
            p95: rank(95.0),
            max: ms[ms.len() - 1],
            mean: ms.iter().sum::<f64>() / ms.len() as f64,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "count": self.count,
            "min_ms": round(self.min),
            "p50_ms": round(self.p50),
            "p95_ms": round(self.p95),
            "max_ms": round(self.max),
            "mean_ms": round(self.mean),
        })
    }
}

/// Rounds to microseconds for the JSON output.
pub fn round(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// A duration in milliseconds with a precision that suits its size.
pub fn fmt_ms(ms: f64) -> String {
    match ms {
        m if m < 10.0 => format!("{m:.2} ms"),
        m if m < 100.0 => format!("{m:.1} ms"),
        m => format!("{m:.0} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let summary = Summary::of(&samples);
        assert_eq!((summary.p50, summary.p95, summary.max, summary.min), (50.0, 95.0, 100.0, 1.0));
        let one = Summary::of(&[Duration::from_millis(3)]);
        assert_eq!((one.p50, one.p95), (3.0, 3.0));
        assert_eq!(Summary::of(&[]).count, 0);
    }
}
