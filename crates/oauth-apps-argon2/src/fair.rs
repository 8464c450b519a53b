//! The queue in front of the hashing threads: fair between callers, and client
//! authentications first.
//!
//! Jobs are of two classes. Verifications (client authentications, which an
//! authorization server waits on) are always taken before hashes (registrations and
//! rotations). Within a class each requester has its own queue, and the requesters with
//! waiting jobs are served in turn, one job each: a caller that queues a hundred jobs
//! delays another caller's next job by at most one of its own, not by a hundred. No
//! requester may hold more than half of the queue's places, so one caller cannot make
//! every other caller's jobs answer busy.

use std::collections::{HashMap, VecDeque};

/// What a job is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A client authentication: served first.
    Verify,
    /// A new secret's hash (registration, rotation).
    Hash,
}

/// One queue per requester, served in turn.
struct Lanes<T> {
    queues: HashMap<String, VecDeque<T>>,
    turn: VecDeque<String>,
}

impl<T> Default for Lanes<T> {
    fn default() -> Self {
        Self {
            queues: HashMap::new(),
            turn: VecDeque::new(),
        }
    }
}

impl<T> Lanes<T> {
    fn waiting_for(&self, requester: &str) -> usize {
        self.queues.get(requester).map_or(0, VecDeque::len)
    }

    fn push(&mut self, requester: &str, job: T) {
        match self.queues.get_mut(requester) {
            Some(queue) => queue.push_back(job),
            None => {
                self.queues
                    .insert(requester.to_owned(), VecDeque::from([job]));
                self.turn.push_back(requester.to_owned());
            }
        }
    }

    fn pop(&mut self) -> Option<T> {
        let requester = self.turn.pop_front()?;
        let queue = self.queues.get_mut(&requester)?;
        let job = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(&requester);
        } else {
            self.turn.push_back(requester);
        }
        job
    }
}

/// The jobs waiting for a hashing thread.
pub struct FairQueue<T> {
    verify: Lanes<T>,
    hash: Lanes<T>,
    len: usize,
    capacity: usize,
    per_requester: usize,
}

impl<T> FairQueue<T> {
    /// A queue of at most `capacity` jobs, at most half of them (and at least one) from
    /// one requester in one class.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            verify: Lanes::default(),
            hash: Lanes::default(),
            len: 0,
            capacity,
            per_requester: (capacity / 2).max(1),
        }
    }

    /// Queues `job` of `class` for `requester`.
    ///
    /// # Errors
    /// The job back when the queue is full, or `requester` holds its share of it.
    pub fn push(&mut self, class: Class, requester: &str, job: T) -> Result<(), T> {
        let lanes = match class {
            Class::Verify => &mut self.verify,
            Class::Hash => &mut self.hash,
        };
        if self.len >= self.capacity || lanes.waiting_for(requester) >= self.per_requester {
            return Err(job);
        }
        lanes.push(requester, job);
        self.len += 1;
        Ok(())
    }

    /// The next job to run: a verification if one waits, else a hash; requesters in turn.
    pub fn pop(&mut self) -> Option<(Class, T)> {
        let next = self
            .verify
            .pop()
            .map(|job| (Class::Verify, job))
            .or_else(|| self.hash.pop().map(|job| (Class::Hash, job)));
        if next.is_some() {
            self.len -= 1;
        }
        next
    }

    /// How many jobs wait.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no job waits.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut FairQueue<&'static str>) -> Vec<&'static str> {
        std::iter::from_fn(|| q.pop().map(|(_, job)| job)).collect()
    }

    #[test]
    fn verifications_come_first_and_requesters_take_turns() {
        let mut q = FairQueue::new(64);
        for job in ["a1", "a2", "a3", "a4"] {
            q.push(Class::Hash, "tenant-a", job).unwrap();
        }
        q.push(Class::Hash, "tenant-b", "b1").unwrap();
        q.push(Class::Verify, "auth-server", "v1").unwrap();
        q.push(Class::Verify, "auth-server", "v2").unwrap();
        q.push(Class::Verify, "other-server", "w1").unwrap();
        assert_eq!(q.len(), 8);
        assert_eq!(
            drain(&mut q),
            ["v1", "w1", "v2", "a1", "b1", "a2", "a3", "a4"]
        );
        assert_eq!(q.len(), 0);
        assert!(q.pop().is_none());
    }

    #[test]
    fn one_requester_cannot_fill_the_queue() {
        let mut q = FairQueue::new(4);
        q.push(Class::Hash, "a", "a1").unwrap();
        q.push(Class::Hash, "a", "a2").unwrap();
        assert_eq!(q.push(Class::Hash, "a", "a3"), Err("a3"));
        // Others still get in, up to the queue's size.
        q.push(Class::Hash, "b", "b1").unwrap();
        q.push(Class::Verify, "a", "v1").unwrap();
        assert_eq!(q.push(Class::Verify, "c", "c1"), Err("c1"));
        assert_eq!(q.pop(), Some((Class::Verify, "v1")));
        q.push(Class::Verify, "c", "c1").unwrap();
    }

    #[test]
    fn a_queue_of_one_takes_one_job() {
        let mut q = FairQueue::new(1);
        q.push(Class::Hash, "a", 1).unwrap();
        assert_eq!(q.push(Class::Hash, "b", 2), Err(2));
    }
}
