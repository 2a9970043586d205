//! A rough cost of evaluating a condition, used to order the operands of `and` and `or` so the
//! cheap tests run first (Falco's fields have no side effects, so the order does not change the
//! result, only how soon a false `and` or a true `or` stops). Counted in "simple field reads".

use crate::ast::{Arg, CmpOp, Expr, ExprKind, Operand, Rhs};

/// The cost of reading one field: numbers and flags from the event itself are cheapest, then
/// the process's own strings, then what needs a lookup or a walk (container metadata, users,
/// the ancestor chain).
fn field_cost(name: &str) -> u32 {
    const CHEAP: &[&str] = &[
        "evt.type",
        "evt.dir",
        "evt.res",
        "evt.rawres",
        "evt.failed",
        "evt.is_open_read",
        "evt.is_open_write",
        "evt.is_open_exec",
        "evt.is_open_create",
        "fd.num",
        "fd.typechar",
        "fd.type",
        "fd.l4proto",
        "proc.pid",
        "proc.ppid",
        "thread.tid",
        "user.uid",
        "group.gid",
        "proc.tty",
        "proc.vpid",
        "thread.vtid",
    ];
    if CHEAP.contains(&name) || name.starts_with("evt.arg") || name.starts_with("evt.rawarg") {
        return 1;
    }
    if name.starts_with("proc.a")
        && (name.starts_with("proc.aname")
            || name.starts_with("proc.apid")
            || name.starts_with("proc.aexe")
            || name.starts_with("proc.acmdline"))
    {
        return 12;
    }
    match name {
        "proc.name"
        | "proc.exe"
        | "proc.exepath"
        | "fd.name"
        | "container.id"
        | "fd.sport"
        | "fd.dport"
        | "fd.lport"
        | "fd.rport"
        | "fd.cport"
        | "fd.port"
        | "proc.is_exe_upper_layer"
        | "proc.is_exe_from_memfd" => 2,
        "proc.cmdline" | "proc.args" | "fd.directory" | "fd.filename" | "proc.pname" | "proc.pexe"
        | "proc.pexepath" | "proc.pcmdline" | "user.name" | "group.name" | "user.loginname" => 4,
        n if n.starts_with("container.") || n.starts_with("k8s.") => 4,
        _ => 3,
    }
}

fn operand_cost(o: &Operand) -> u32 {
    match o {
        Operand::Field(f) => field_cost(&f.name),
        Operand::Transform { args, .. } => {
            5 + args
                .iter()
                .map(|a| match a {
                    Arg::Operand(o) => operand_cost(o),
                    Arg::Lit(_) => 0,
                })
                .sum::<u32>()
        }
    }
}

fn op_cost(op: CmpOp) -> u32 {
    match op {
        CmpOp::Regex => 10,
        CmpOp::Glob | CmpOp::IGlob => 4,
        CmpOp::IContains => 3,
        CmpOp::Contains | CmpOp::BContains | CmpOp::Pmatch | CmpOp::EndsWith => 2,
        _ => 1,
    }
}

/// The estimated cost of evaluating `e` once.
pub fn cost(e: &Expr) -> u32 {
    match &e.kind {
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().map(cost).sum(),
        ExprKind::Not(x) => cost(x),
        ExprKind::Ref(_) => 1,
        ExprKind::Exists(o) => operand_cost(o),
        ExprKind::Compare { lhs, op, rhs, .. } => {
            let r = match rhs {
                Rhs::Field(o) => operand_cost(o),
                _ => 0,
            };
            operand_cost(lhs) + op_cost(*op) + r
        }
    }
}

/// The operands' order for evaluation: cheapest first, ties kept in the written order.
pub fn order(xs: &[Expr]) -> Vec<&Expr> {
    let mut v: Vec<(u32, usize, &Expr)> = xs.iter().enumerate().map(|(i, x)| (cost(x), i, x)).collect();
    v.sort_by_key(|(c, i, _)| (*c, *i));
    v.into_iter().map(|(_, _, x)| x).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cheap_tests_first() {
        let e = crate::parse("proc.aname[2] = sshd and proc.cmdline contains x and evt.type = openat and fd.name = /x")
            .unwrap();
        let ExprKind::And(xs) = &e.kind else { panic!() };
        let names: Vec<String> = order(xs).iter().map(|x| x.to_string()).collect();
        assert!(names[0].contains("evt.type"), "{names:?}");
        assert!(names[1].contains("fd.name"), "{names:?}");
        assert!(names[3].contains("proc.aname"), "{names:?}");
        assert!(cost(&crate::parse("proc.name regex 'a.*'").unwrap()) > cost(&crate::parse("proc.name = a").unwrap()));
    }
}
