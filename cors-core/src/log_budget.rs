//! A budget for explanations in the log, so hostile traffic cannot flood it.
//!
//! Every refused CORS request deserves an explanation, once: a developer
//! fixing a misconfigured front end needs the first line, not the ten
//! thousandth. A [`LogBudget`] decides, per occurrence of a (kind, key) pair
//! — kind being a refusal's reason code such as `origin-not-allowed`, key
//! the request's origin — whether it is logged in full or only counted:
//!
//! - the first occurrence of each (kind, key) in a window is logged;
//! - repeats within the window are counted, not logged;
//! - whatever the number of distinct keys, at most
//!   [`max_full_lines`](LogBudgetConfig::max_full_lines) are logged per
//!   window, so an attacker sending a new origin with every request gets
//!   that many lines, then silence;
//! - once a window has ended, [`take_summary`](LogBudget::take_summary)
//!   returns one [`Summary`] of what was not logged.
//!
//! Memory is fixed at construction: a table of
//! [`table_capacity`](LogBudgetConfig::table_capacity) hashed keys and a
//! small array of per-kind counters. Nothing is allocated per call.
//!
//! Time is passed in (`now`), never read, so the budget is deterministic and
//! tested without sleeping; windows are not aligned to the clock: one starts
//! at the first call after the previous one has ended, so there is no timer.

use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How many distinct kinds are counted separately in a [`Summary`]; more
/// are counted together as "other". Kinds come from a small fixed set
/// (a rejection's reason codes).
const MAX_KINDS: usize = 16;

/// Slots probed for one key: a key lives in one bucket of this many slots.
const WAYS: usize = 8;

/// The largest table a configuration may ask for (keys beyond it are not
/// remembered, only counted): 16 MiB of slots at most.
const MAX_TABLE_CAPACITY: usize = 1 << 20;

/// How much a [`LogBudget`] lets through.
///
/// ```
/// use std::time::Duration;
/// use cors_core::LogBudgetConfig;
///
/// // The default: per 60 s, each (reason, origin) once, and 100 lines at most.
/// let default = LogBudgetConfig::default();
/// assert_eq!(default.window, Duration::from_secs(60));
/// assert_eq!(default.max_full_lines, 100);
///
/// // A quieter log: 20 lines per 5 minutes.
/// let quiet = LogBudgetConfig {
///     window: Duration::from_secs(300),
///     max_full_lines: 20,
///     ..LogBudgetConfig::default()
/// };
/// # let _ = quiet;
///
/// // Every occurrence logged, as without a budget.
/// assert!(LogBudgetConfig::unlimited().is_unlimited());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogBudgetConfig {
    /// How long a (kind, key) stays "already logged", and the period of the
    /// full-line cap and of the summaries. `Duration::ZERO` turns the budget
    /// off: every occurrence is logged.
    pub window: Duration,
    /// The most occurrences logged in full per window, however many
    /// distinct keys are seen.
    pub max_full_lines: u32,
    /// How many (kind, key) pairs are remembered per window (at most
    /// 1,048,576). Keys beyond it cannot be told apart from new ones, so
    /// their repeats may be logged, within `max_full_lines`.
    pub table_capacity: usize,
}

impl Default for LogBudgetConfig {
    /// Each (kind, key) once per 60 s, at most 100 lines per 60 s, 1,024
    /// keys remembered (24 KiB).
    fn default() -> Self {
        LogBudgetConfig {
            window: Duration::from_secs(60),
            max_full_lines: 100,
            table_capacity: 1024,
        }
    }
}

impl LogBudgetConfig {
    /// No budget: every occurrence is logged, nothing is counted.
    pub fn unlimited() -> Self {
        LogBudgetConfig {
            window: Duration::ZERO,
            max_full_lines: u32::MAX,
            table_capacity: 0,
        }
    }

    /// Whether this configuration logs every occurrence.
    pub fn is_unlimited(&self) -> bool {
        self.window.is_zero()
    }
}

/// What to do with one occurrence, as decided by [`LogBudget::admit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "log the occurrence only when admitted"]
pub enum Admission {
    /// Log it in full.
    Log,
    /// It was counted, for the next [`Summary`]; do not log it.
    Suppressed,
}

impl Admission {
    /// Whether to log the occurrence in full.
    pub fn is_log(self) -> bool {
        self == Admission::Log
    }
}

/// Decides which explanations are logged in full and counts the rest: the
/// first occurrence of each (kind, key) in a window is logged, repeats are
/// counted, at most [`max_full_lines`](LogBudgetConfig::max_full_lines) are
/// logged per window however many keys arrive, and a [`Summary`] of what
/// was held back comes after the window. Memory is fixed at construction.
/// `Send + Sync`: share one per policy between threads (behind an `Arc`).
///
/// ```
/// use std::time::{Duration, Instant};
/// use cors_core::{Admission, LogBudget, LogBudgetConfig};
///
/// let budget = LogBudget::new(LogBudgetConfig::default());
/// let start = Instant::now();
/// let origin = b"https://evil.example";
/// assert_eq!(budget.admit("origin-not-allowed", origin, start), Admission::Log);
/// assert_eq!(budget.admit("origin-not-allowed", origin, start), Admission::Suppressed);
/// assert!(budget.take_summary(start).is_none()); // the window is not over
///
/// let later = start + Duration::from_secs(61);
/// let summary = budget.take_summary(later).unwrap();
/// assert_eq!(summary.suppressed(), 1);
/// assert!(summary.to_string().starts_with("CORS: 1 request explanation was not logged"));
/// assert!(budget.take_summary(later).is_none()); // once
/// ```
pub struct LogBudget {
    config: LogBudgetConfig,
    hasher: foldhash::fast::RandomState,
    state: Mutex<State>,
}

impl fmt::Debug for LogBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("LogBudget")
            .field("config", &self.config)
            .field("remembered", &state.remembered())
            .field("full_lines_this_window", &state.full_lines)
            .field("suppressed_this_window", &state.counts.total())
            .finish_non_exhaustive()
    }
}

/// One remembered (kind, key) pair.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// The pair's hash; 0 for an empty slot (a real 0 is stored as 1).
    hash: u64,
    /// The window it was last seen in; a slot of an older window is free.
    window: u64,
    /// Whether an occurrence was suppressed in that window (so counted once
    /// among the distinct suppressed keys).
    suppressed: bool,
}

/// Suppressed occurrences, per kind, since the last summary.
#[derive(Clone, Copy, Debug)]
struct Counts {
    kinds: [(&'static str, u64); MAX_KINDS],
    other: u64,
    /// Distinct remembered keys with a suppressed occurrence.
    distinct: u64,
    /// Whether some suppressed occurrence's key could not be remembered,
    /// making `distinct` a lower bound.
    distinct_is_lower_bound: bool,
}

impl Counts {
    const EMPTY: Counts = Counts {
        kinds: [("", 0); MAX_KINDS],
        other: 0,
        distinct: 0,
        distinct_is_lower_bound: false,
    };

    fn total(&self) -> u64 {
        self.kinds.iter().map(|&(_, n)| n).sum::<u64>() + self.other
    }

    fn add(&mut self, kind: &'static str) {
        for entry in &mut self.kinds {
            if entry.1 == 0 {
                *entry = (kind, 1);
                return;
            }
            if entry.0 == kind {
                entry.1 += 1;
                return;
            }
        }
        self.other += 1;
    }

    /// Adds a summary not taken in time (only when `admit` is called without
    /// `take_summary`): the distinct counts may overlap, so only the larger
    /// is sure.
    fn merge(&mut self, other: &Counts) {
        for &(kind, n) in other.kinds.iter().filter(|(_, n)| *n > 0) {
            match self.kinds.iter_mut().find(|(k, m)| *m == 0 || *k == kind) {
                Some(entry) => *entry = (kind, entry.1 + n),
                None => self.other += n,
            }
        }
        self.other += other.other;
        self.distinct = self.distinct.max(other.distinct);
        self.distinct_is_lower_bound = true;
    }
}

#[derive(Debug)]
struct State {
    /// When the current window started.
    started: Instant,
    /// The current window's number, for the slots.
    window: u64,
    /// Lines admitted in the current window.
    full_lines: u32,
    counts: Counts,
    /// A summary of an ended window, not yet taken.
    pending: Option<Summary>,
    slots: Box<[Slot]>,
}

impl State {
    fn remembered(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.hash != 0 && s.window == self.window)
            .count()
    }

    /// Starts a new window when the current one has ended, keeping what was
    /// suppressed in it for the summary.
    fn roll(&mut self, now: Instant, config: &LogBudgetConfig) {
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed < config.window {
            return;
        }
        if self.counts.total() > 0 {
            let summary = match self.pending.take() {
                Some(mut earlier) => {
                    earlier.counts.merge(&self.counts);
                    earlier.period = now.saturating_duration_since(earlier.started);
                    earlier.full_lines = earlier.full_lines.saturating_add(self.full_lines);
                    earlier
                }
                None => Summary {
                    started: self.started,
                    period: elapsed,
                    counts: self.counts,
                    full_lines: self.full_lines,
                    config: *config,
                },
            };
            self.pending = Some(summary);
        }
        self.started = now;
        self.window += 1;
        self.full_lines = 0;
        self.counts = Counts::EMPTY;
    }
}

impl LogBudget {
    /// A budget with an empty table; the first window starts now. This is
    /// the only allocation: `table_capacity` slots of 24 bytes.
    pub fn new(config: LogBudgetConfig) -> Self {
        Self::starting_at(config, Instant::now())
    }

    /// A budget whose first window starts at `now`.
    pub fn starting_at(config: LogBudgetConfig, now: Instant) -> Self {
        let capacity = if config.is_unlimited() {
            0
        } else {
            config.table_capacity.min(MAX_TABLE_CAPACITY)
        };
        LogBudget {
            config,
            hasher: foldhash::fast::RandomState::default(),
            state: Mutex::new(State {
                started: now,
                window: 0,
                full_lines: 0,
                counts: Counts::EMPTY,
                pending: None,
                slots: vec![Slot::default(); capacity].into_boxed_slice(),
            }),
        }
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &LogBudgetConfig {
        &self.config
    }

    /// How many (kind, key) pairs the table can hold; fixed at construction.
    pub fn capacity(&self) -> usize {
        self.lock().slots.len()
    }

    /// How many (kind, key) pairs the table holds for the current window;
    /// never more than [`capacity`](LogBudget::capacity).
    pub fn remembered(&self) -> usize {
        self.lock().remembered()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing under the lock can panic; a poisoned lock still holds
        // consistent counters.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides whether this occurrence of (`kind`, `key`) is logged in full
    /// or counted for the next [`Summary`]. `kind` names the kind of line
    /// (a rejection's reason code); `key` tells occurrences of a kind apart
    /// (the request's origin, as sent).
    pub fn admit(&self, kind: &'static str, key: &[u8], now: Instant) -> Admission {
        self.admit_detailed(kind, key, b"", now)
    }

    /// Like [`admit`](LogBudget::admit), telling occurrences with the same
    /// key apart by `detail` too (the refused method or header name, so
    /// that a refused `PUT` does not hide a refused `DELETE` from the same
    /// origin). `admit(kind, key, now)` is `admit_detailed(kind, key, b"",
    /// now)`.
    pub fn admit_detailed(
        &self,
        kind: &'static str,
        key: &[u8],
        detail: &[u8],
        now: Instant,
    ) -> Admission {
        if self.config.is_unlimited() {
            return Admission::Log;
        }
        let hash = match self.hasher.hash_one((kind, key, detail)) {
            0 => 1,
            h => h,
        };
        let mut state = self.lock();
        let state = &mut *state;
        state.roll(now, &self.config);
        let window = state.window;

        // The key's bucket: its slot if seen in this window, else the first
        // slot free for this window. Slots of the current window are never
        // taken over, so keys cycled by an attacker cannot make a logged key
        // look new again within the window.
        let len = state.slots.len();
        let mut found = None;
        let mut free = None;
        if len > 0 {
            let start = ((hash >> 32) as usize % len.div_ceil(WAYS)) * WAYS;
            for i in start..(start + WAYS).min(len) {
                let slot = &state.slots[i];
                if slot.hash == hash && slot.window == window {
                    found = Some(i);
                    break;
                }
                if free.is_none() && (slot.hash == 0 || slot.window != window) {
                    free = Some(i);
                }
            }
        }

        if let Some(i) = found {
            let slot = &mut state.slots[i];
            if !slot.suppressed {
                slot.suppressed = true;
                state.counts.distinct += 1;
            }
            state.counts.add(kind);
            return Admission::Suppressed;
        }
        let admitted = state.full_lines < self.config.max_full_lines;
        match free {
            Some(i) => {
                state.slots[i] = Slot {
                    hash,
                    window,
                    suppressed: !admitted,
                };
                if !admitted {
                    state.counts.distinct += 1;
                }
            }
            None if !admitted => state.counts.distinct_is_lower_bound = true,
            None => {}
        }
        if admitted {
            state.full_lines += 1;
            Admission::Log
        } else {
            state.counts.add(kind);
            Admission::Suppressed
        }
    }

    /// What was suppressed in the window that has ended, once: `None` while
    /// the current window lasts, when nothing was suppressed, and after the
    /// summary has been taken. Call it whenever an occurrence is admitted
    /// (there is no timer): the summary of a window comes with the first
    /// occurrence after it.
    pub fn take_summary(&self, now: Instant) -> Option<Summary> {
        if self.config.is_unlimited() {
            return None;
        }
        let mut state = self.lock();
        state.roll(now, &self.config);
        state.pending.take()
    }
}

/// How many distinct keys a [`Summary`] counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistinctKeys {
    /// Every key was remembered: this many.
    Exactly(u64),
    /// Some keys could not be remembered (the table was full): at least
    /// this many.
    AtLeast(u64),
}

/// What a [`LogBudget`] did not log in one window (or more, when summaries
/// were not taken); its `Display` is one line in plain words.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    started: Instant,
    period: Duration,
    counts: Counts,
    full_lines: u32,
    config: LogBudgetConfig,
}

impl Summary {
    /// How many occurrences were counted instead of logged.
    pub fn suppressed(&self) -> u64 {
        self.counts.total()
    }

    /// The count per kind, in order of first suppression; kinds beyond the
    /// sixteenth are counted under `"other"`.
    pub fn kinds(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.counts
            .kinds
            .iter()
            .copied()
            .filter(|&(_, n)| n > 0)
            .chain((self.counts.other > 0).then_some(("other", self.counts.other)))
    }

    /// How many distinct keys had an occurrence suppressed.
    pub fn distinct_keys(&self) -> DistinctKeys {
        if self.counts.distinct_is_lower_bound {
            DistinctKeys::AtLeast(self.counts.distinct)
        } else {
            DistinctKeys::Exactly(self.counts.distinct)
        }
    }

    /// How many occurrences were logged in full in the same period.
    pub fn full_lines(&self) -> u32 {
        self.full_lines
    }

    /// When the summarised period started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// How long the summarised period lasted (from its start to the call
    /// that ended it, so at least the window).
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// `12345` as `12,345`.
struct Thousands(u64);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let first = match digits.len() % 3 {
            0 => 3,
            n => n,
        };
        f.write_str(&digits[..first])?;
        for i in (first..digits.len()).step_by(3) {
            write!(f, ",{}", &digits[i..i + 3])?;
        }
        Ok(())
    }
}

/// A duration in whole seconds (`60 s`), or milliseconds below a second.
struct Span(Duration);

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < Duration::from_secs(1) {
            write!(f, "{} ms", self.0.as_millis())
        } else {
            write!(f, "{} s", Thousands(self.0.as_secs_f64().round() as u64))
        }
    }
}

impl fmt::Display for Summary {
    /// "CORS: 12,345 request explanations were not logged in the last 60 s
    /// (origin-not-allowed: 12,000; null-origin: 345), from at least 1,024
    /// distinct origins; the first of each kind and origin was logged in
    /// full above, at most 100 lines per 60 s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.suppressed();
        let (noun, verb) = if total == 1 {
            ("explanation", "was")
        } else {
            ("explanations", "were")
        };
        write!(
            f,
            "CORS: {} request {noun} {verb} not logged in the last {} (",
            Thousands(total),
            Span(self.period),
        )?;
        for (i, (kind, n)) in self.kinds().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{kind}: {}", Thousands(n))?;
        }
        f.write_str(")")?;
        match self.distinct_keys() {
            DistinctKeys::Exactly(1) => f.write_str(", from 1 origin")?,
            DistinctKeys::Exactly(n) => write!(f, ", from {} distinct origins", Thousands(n))?,
            DistinctKeys::AtLeast(0) => {}
            DistinctKeys::AtLeast(n) => {
                write!(f, ", from at least {} distinct origins", Thousands(n))?;
            }
        }
        write!(
            f,
            "; the first of each kind and origin was logged in full above, at most {} lines per \
             {}",
            Thousands(u64::from(self.config.max_full_lines)),
            Span(self.config.window),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "origin-not-allowed";
    const NULL: &str = "null-origin";

    fn config() -> LogBudgetConfig {
        LogBudgetConfig {
            window: Duration::from_secs(60),
            max_full_lines: 100,
            table_capacity: 1024,
        }
    }

    #[test]
    fn first_occurrence_is_logged_and_repeats_are_counted() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        assert_eq!(
            budget.admit(ORIGIN, b"https://a.example", t0),
            Admission::Log
        );
        for i in 0..1000 {
            let now = t0 + Duration::from_millis(i);
            assert_eq!(
                budget.admit(ORIGIN, b"https://a.example", now),
                Admission::Suppressed,
                "repeat {i}"
            );
        }
        // Another kind, key or detail is a first occurrence of its own.
        assert_eq!(budget.admit(NULL, b"https://a.example", t0), Admission::Log);
        assert_eq!(
            budget.admit(ORIGIN, b"https://b.example", t0),
            Admission::Log
        );
        let method = "method-not-allowed";
        let a = b"https://a.example";
        assert!(budget.admit_detailed(method, a, b"PUT", t0).is_log());
        assert!(budget.admit_detailed(method, a, b"DELETE", t0).is_log());
        assert!(!budget.admit_detailed(method, a, b"PUT", t0).is_log());
        assert!(!budget.admit(NULL, a, t0).is_log());
    }

    #[test]
    fn summary_comes_once_after_the_window_with_the_counts() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        let _ = budget.admit(ORIGIN, b"https://a.example", t0);
        let _ = budget.admit(NULL, b"null", t0);
        for _ in 0..12_000 {
            let _ = budget.admit(ORIGIN, b"https://a.example", t0);
        }
        for _ in 0..345 {
            let _ = budget.admit(NULL, b"null", t0);
        }
        assert!(budget.take_summary(t0 + Duration::from_secs(59)).is_none());

        let end = t0 + Duration::from_secs(60);
        let summary = budget
            .take_summary(end)
            .expect("a summary after the window");
        assert_eq!(summary.suppressed(), 12_345);
        assert_eq!(
            summary.kinds().collect::<Vec<_>>(),
            [(ORIGIN, 12_000), (NULL, 345)]
        );
        assert_eq!(summary.distinct_keys(), DistinctKeys::Exactly(2));
        assert_eq!(summary.full_lines(), 2);
        assert_eq!(
            summary.to_string(),
            "CORS: 12,345 request explanations were not logged in the last 60 s \
             (origin-not-allowed: 12,000; null-origin: 345), from 2 distinct origins; the first \
             of each kind and origin was logged in full above, at most 100 lines per 60 s"
        );
        // Once per window, and reset: the next window starts afresh.
        assert!(budget.take_summary(end).is_none());
        assert!(budget
            .take_summary(end + Duration::from_secs(120))
            .is_none());
        assert_eq!(
            budget.admit(ORIGIN, b"https://a.example", end),
            Admission::Log
        );
    }

    #[test]
    fn nothing_suppressed_means_no_summary() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        let _ = budget.admit(ORIGIN, b"https://a.example", t0);
        assert!(budget.take_summary(t0 + Duration::from_secs(61)).is_none());
    }

    #[test]
    fn a_summary_not_taken_is_kept_for_the_next_call() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        let _ = budget.admit(ORIGIN, b"x", t0);
        let _ = budget.admit(ORIGIN, b"x", t0);
        // Two windows end without a summary being asked for.
        let t1 = t0 + Duration::from_secs(61);
        let _ = budget.admit(ORIGIN, b"x", t1);
        let _ = budget.admit(ORIGIN, b"x", t1);
        let t2 = t1 + Duration::from_secs(61);
        let summary = budget.take_summary(t2).expect("summary");
        assert_eq!(summary.suppressed(), 2);
        assert_eq!(summary.distinct_keys(), DistinctKeys::AtLeast(1));
        assert_eq!(summary.period(), Duration::from_secs(122));
    }

    #[test]
    fn the_cap_holds_for_distinct_keys() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        let logged = (0..10_000u32)
            .filter(|i| {
                let origin = format!("https://{i}.evil.example");
                budget.admit(ORIGIN, origin.as_bytes(), t0).is_log()
            })
            .count();
        assert_eq!(logged, 100);
        let summary = budget
            .take_summary(t0 + Duration::from_secs(60))
            .expect("summary");
        assert_eq!(summary.suppressed(), 9_900);
        assert!(
            matches!(summary.distinct_keys(), DistinctKeys::AtLeast(n) if (800..=1024).contains(&n)),
            "{:?}",
            summary.distinct_keys()
        );
        assert!(summary.to_string().contains("from at least"), "{summary}");
        // The next window has a new allowance.
        assert!(budget
            .admit(ORIGIN, b"https://new.example", t0 + Duration::from_secs(60))
            .is_log());
    }

    #[test]
    fn memory_stays_bounded_under_100_000_distinct_keys() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        let mut logged = 0;
        let mut origin = String::with_capacity(64);
        for i in 0..100_000u32 {
            origin.clear();
            fmt::Write::write_fmt(&mut origin, format_args!("https://{i}.evil.example")).unwrap();
            // Four windows, each with a fresh allowance of 100 lines.
            let now = t0 + Duration::from_secs(u64::from(i / 25_000) * 60);
            if budget.admit(ORIGIN, origin.as_bytes(), now).is_log() {
                logged += 1;
            }
            if i % 1000 == 0 {
                assert!(budget.remembered() <= 1024);
            }
        }
        assert_eq!(logged, 400);
        assert_eq!(budget.capacity(), 1024);
        assert!(budget.remembered() <= budget.capacity());
    }

    #[test]
    fn a_full_table_never_makes_a_logged_key_look_new() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(
            LogBudgetConfig {
                max_full_lines: u32::MAX,
                table_capacity: 64,
                ..config()
            },
            t0,
        );
        assert!(budget.admit(ORIGIN, b"https://victim.example", t0).is_log());
        for i in 0..10_000u32 {
            let _ = budget.admit(ORIGIN, format!("https://{i}.x").as_bytes(), t0);
        }
        assert_eq!(budget.remembered(), 64);
        assert_eq!(
            budget.admit(ORIGIN, b"https://victim.example", t0),
            Admission::Suppressed
        );
    }

    #[test]
    fn unlimited_logs_everything_and_summarises_nothing() {
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(LogBudgetConfig::unlimited(), t0);
        for _ in 0..1000 {
            assert!(budget.admit(ORIGIN, b"x", t0).is_log());
        }
        assert!(budget
            .take_summary(t0 + Duration::from_secs(3600))
            .is_none());
        assert_eq!(budget.capacity(), 0);
    }

    #[test]
    fn more_kinds_than_counters_are_counted_as_other() {
        const KINDS: [&str; 18] = [
            "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13",
            "k14", "k15", "k16", "k17",
        ];
        let t0 = Instant::now();
        let budget = LogBudget::starting_at(config(), t0);
        for kind in KINDS {
            let _ = budget.admit(kind, b"x", t0);
            let _ = budget.admit(kind, b"x", t0);
        }
        let summary = budget
            .take_summary(t0 + Duration::from_secs(60))
            .expect("summary");
        assert_eq!(summary.suppressed(), 18);
        assert_eq!(summary.kinds().last(), Some(("other", 2)));
    }

    #[test]
    fn thousands_are_separated() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (12_345, "12,345"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(Thousands(n).to_string(), text);
        }
    }

    #[test]
    fn budget_is_send_and_sync() {
        fn check<T: Send + Sync + fmt::Debug>() {}
        check::<LogBudget>();
    }
}
