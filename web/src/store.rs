//! The store both modes hand to Yew: a state that actions change ([`Apply`]), behind a
//! shared cell, and a version that tells Yew it changed (Yew's `Reducible`).
//!
//! The simulation's [`crate::sim::state::AppState`] and live mode's
//! [`crate::live::page::LivePage`] both implement [`Apply`], so one reducer serves both.

use std::cell::RefCell;
use std::rc::Rc;

use yew::Reducible;

/// A state that actions change: the simulation's [`AppState`] and live mode's page.
pub trait Apply {
    /// What happens to it.
    type Action;
    /// Apply one action.
    fn apply(&mut self, action: Self::Action);
}

/// What Yew holds: the state behind a shared cell, and a version that changes with every
/// action. Cloning the world (with its checkpoints) 60 times a second would be wasteful, so
/// the reducer mutates it in place and hands Yew a new, cheap handle.
#[derive(Debug, Clone)]
pub struct Store<S> {
    /// The state.
    pub state: Rc<RefCell<S>>,
    /// Bumped by every action.
    pub version: u64,
}

impl<S> Store<S> {
    /// A store around a state.
    pub fn new(state: S) -> Store<S> {
        Store {
            state: Rc::new(RefCell::new(state)),
            version: 0,
        }
    }
}

impl<S> PartialEq for Store<S> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.state, &other.state) && self.version == other.version
    }
}

impl<S: Apply> Reducible for Store<S> {
    type Action = S::Action;

    fn reduce(self: Rc<Self>, action: S::Action) -> Rc<Self> {
        self.state.borrow_mut().apply(action);
        Rc::new(Store {
            state: self.state.clone(),
            version: self.version + 1,
        })
    }
}
