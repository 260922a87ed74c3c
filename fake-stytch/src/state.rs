//! State shared by all workers of one fake server.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::config::Config;
use crate::faults::Faults;
use crate::keys::KeySet;
use crate::stats::Stats;
use crate::store::Store;

pub struct AppState {
    pub config: Config,
    pub store: Mutex<Store>,
    pub keys: RwLock<KeySet>,
    pub stats: Stats,
    pub faults: Faults,
}

impl AppState {
    pub fn new(config: Config, keys: KeySet) -> Self {
        Self {
            config,
            store: Mutex::new(Store::default()),
            keys: RwLock::new(keys),
            stats: Stats::default(),
            faults: Faults::default(),
        }
    }
}

// The helpers below ignore lock poisoning. A fake that keeps serving after
// one request panicked is more useful to a test run than one that fails every
// later call, and the panic itself is still logged by the worker.

/// Locks a mutex even if a handler panicked while holding it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes a read lock even if a handler panicked while holding the write lock.
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the write lock even if a handler panicked while holding it.
pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
