//! The answers of an asynchronous origin check (a database lookup, a
//! tenant service), remembered: bounded in size and in age.
//!
//! The check runs only for origins the static rules refuse, so its cost is
//! paid by front ends the policy does not list and by attackers. Refusals
//! are remembered too: an attacker repeating an origin costs one lookup per
//! time-to-live, and one cycling through new origins costs at most
//! `max_in_flight` lookups at a time (beyond that, origins are refused
//! without asking). Memory never exceeds `capacity` answers.

use std::time::{Duration, Instant};

/// How many answers to remember, for how long, and how many lookups may run
/// at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OriginCheckConfig {
    /// Answers remembered at most (default 10,000); the least useful are
    /// forgotten first.
    pub capacity: usize,
    /// How long an answer is trusted (default 60 s): an origin added or
    /// removed in the store is seen within this time.
    pub time_to_live: Duration,
    /// Lookups running at once, per `Cors` (default 32): past it, an
    /// origin not yet answered is refused without asking.
    pub max_in_flight: usize,
}

impl Default for OriginCheckConfig {
    fn default() -> Self {
        OriginCheckConfig {
            capacity: 10_000,
            time_to_live: Duration::from_secs(60),
            max_in_flight: 32,
        }
    }
}

/// Remembered answers of an origin check. `Send + Sync`: one per `Cors`,
/// shared by every worker, so preflights and actual requests for one origin
/// get one answer.
#[derive(Debug)]
pub struct OriginAnswers {
    answers: quick_cache::sync::Cache<Box<str>, (bool, Instant)>,
    config: OriginCheckConfig,
}

impl OriginAnswers {
    /// An empty memory of answers.
    pub fn new(config: OriginCheckConfig) -> Self {
        OriginAnswers {
            answers: quick_cache::sync::Cache::new(config.capacity.max(1)),
            config,
        }
    }

    /// The settings it was made with.
    pub fn config(&self) -> &OriginCheckConfig {
        &self.config
    }

    /// The answer for `origin` given less than the time-to-live before
    /// `now`, if any.
    pub fn get(&self, origin: &str, now: Instant) -> Option<bool> {
        let (allowed, at) = self.answers.get(origin)?;
        (now.saturating_duration_since(at) < self.config.time_to_live).then_some(allowed)
    }

    /// Remembers the answer for `origin`, given at `now`.
    pub fn insert(&self, origin: &str, allowed: bool, now: Instant) {
        self.answers.insert(origin.into(), (allowed, now));
    }

    /// How many answers are remembered (never more than the capacity).
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether no answer is remembered.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_expire_after_their_time_to_live() {
        let answers = OriginAnswers::new(OriginCheckConfig {
            time_to_live: Duration::from_secs(10),
            ..OriginCheckConfig::default()
        });
        let start = Instant::now();
        answers.insert("https://a.example", true, start);
        answers.insert("https://b.example", false, start);
        assert_eq!(answers.get("https://a.example", start), Some(true));
        assert_eq!(answers.get("https://b.example", start), Some(false));
        assert_eq!(
            answers.get("https://a.example", start + Duration::from_secs(9)),
            Some(true)
        );
        assert_eq!(
            answers.get("https://a.example", start + Duration::from_secs(10)),
            None
        );
        assert_eq!(answers.get("https://c.example", start), None);
    }

    #[test]
    fn memory_is_bounded_by_the_capacity() {
        let answers = OriginAnswers::new(OriginCheckConfig {
            capacity: 1_000,
            ..OriginCheckConfig::default()
        });
        let now = Instant::now();
        for i in 0..100_000 {
            answers.insert(&format!("https://{i}.attacker.example"), false, now);
            assert!(answers.len() <= 1_000);
        }
    }
}
