//! Arbitrary input never panics any parser, and results keep their invariants.

use proptest::prelude::*;
use vigil_state::docker::ImageRef;
use vigil_state::proc::{parse_stat, parse_status, split_cmdline, Process, MAX_ARGS};
use vigil_state::{container_id, container_id_from_proc_cgroup, parse_group, parse_passwd, ContainerInfo};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn cgroup_paths(path in "(/|[a-z0-9:._@-]{0,70}|docker-|cri-containerd-|crio-|libpod-|kubepods|pod|\\.scope){0,12}") {
        if let Some(c) = container_id(&path) {
            prop_assert_eq!(c.full().len(), 64);
            prop_assert!(path.contains(c.full()));
            prop_assert_eq!(c.short().len(), 12);
        }
        let _ = container_id_from_proc_cgroup(&path);
    }

    #[test]
    fn stat_status_cmdline(stat in ".{0,300}", status in ".{0,300}", cmdline in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Some(p) = parse_stat(&stat) {
            prop_assert!(stat.contains(&p.comm));
        }
        let mut p = Process::default();
        parse_status(&status, &mut p);
        prop_assert!(split_cmdline(&cmdline).len() <= MAX_ARGS);
    }

    #[test]
    fn passwd_group(content in proptest::collection::vec(any::<u8>(), 0..600)) {
        // Each line gives at most one entry or one skip.
        let lines = content.split(|&b| b == b'\n').count();
        let p = parse_passwd(&content);
        prop_assert!(p.len() + p.skipped <= lines);
        let g = parse_group(&content);
        prop_assert!(g.len() + g.skipped <= lines);
    }

    #[test]
    fn image_refs_and_inspect(reference in ".{0,80}", body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let r = ImageRef::parse(&reference);
        prop_assert!(reference.starts_with(&r.repository));
        let _ = r.registry();
        let _ = ContainerInfo::from_inspect_json(&body);
    }
}
