//! Gate `always`: fires every time (for testing policies and mappings).

use super::{Ctx, Fired, GateSpec, Outcome, TriggerSpec};
use crate::params::Params;

pub(super) const GATE: GateSpec = GateSpec {
    name: "always",
    aliases: &[],
    description: "Fires unconditionally: useful to test mappings, allowlists and CI wiring.",
    triggers: &[TriggerSpec {
        name: "always",
        description: "Fires once for every image. Trigger id: `always`.",
        params: &[],
        eval: always,
        check: None,
    }],
};

fn always(_ctx: &Ctx<'_>, _p: &Params<'_>) -> Result<Outcome, String> {
    Ok(Outcome::fired(vec![Fired::new(
        "always",
        "image",
        "the always trigger fires for every image",
    )]))
}
