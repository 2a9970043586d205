//! Allowlists: items that turn a decision into GO while they have not expired.

use time::OffsetDateTime;

use crate::params::parse_date;
use crate::{gates, glob_match, AllowItem, AllowedBy, Allowlist, ExpiredItem};

/// The allowlists that apply to one evaluation.
pub(crate) struct Allowlists<'b> {
    lists: Vec<&'b Allowlist>,
    now: OffsetDateTime,
}

/// What the allowlists say of one decision.
#[derive(Default)]
pub(crate) struct Checked {
    pub allowed: Option<AllowedBy>,
    /// Items that would have matched but expired.
    pub expired: Vec<ExpiredItem>,
}

/// The canonical name of a gate as an allowlist item writes it.
fn canonical(gate: &str) -> &str {
    gates::gate(gate).map_or(gate, |g| g.name)
}

impl<'b> Allowlists<'b> {
    pub(crate) fn new(lists: Vec<&'b Allowlist>, now: OffsetDateTime) -> Allowlists<'b> {
        Allowlists { lists, now }
    }

    /// Checks a decision of `gate` with `trigger_id` against every item. The first unexpired
    /// matching item allows it; every expired matching item is reported.
    pub(crate) fn check(&self, gate: &str, trigger_id: &str) -> Checked {
        let mut out = Checked::default();
        for list in &self.lists {
            for item in &list.items {
                if canonical(&item.gate) != gate || !glob_match(&item.trigger_id, trigger_id) {
                    continue;
                }
                match self.expired(item) {
                    None => {
                        if out.allowed.is_none() {
                            out.allowed = Some(AllowedBy {
                                allowlist: list.id.clone(),
                                item: item.id.clone(),
                                reason: item.reason.clone(),
                                expires: item.expires.clone(),
                            });
                        }
                    }
                    Some(expired) => out.expired.push(ExpiredItem {
                        allowlist: list.id.clone(),
                        item: item.id.clone(),
                        trigger_id: item.trigger_id.clone(),
                        expired,
                        reason: item.reason.clone(),
                    }),
                }
            }
        }
        out
    }

    /// `Some(when)` when the item has expired (an unreadable date counts as expired: an item
    /// whose end cannot be known does not silently apply forever).
    fn expired(&self, item: &AllowItem) -> Option<String> {
        let e = item.expires.as_deref()?;
        match parse_date(e) {
            Some(end) if end >= self.now => None,
            Some(_) => Some(e.to_string()),
            None => Some(format!("{e} (not a date)")),
        }
    }
}
