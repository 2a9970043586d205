//! Compiles the eBPF programs with clang and generates their libbpf-rs skeleton.

use std::path::PathBuf;

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let clang = std::env::var_os("CLANG").unwrap_or_else(|| "clang".into());
    // The capture probe and the enforcer: two objects, loaded and attached independently.
    for (src, skel) in [
        ("src/bpf/vigil.bpf.c", "vigil.skel.rs"),
        ("src/bpf/enforce.bpf.c", "enforce.skel.rs"),
    ] {
        build(src, &out_dir.join(skel), &clang);
    }
    for f in [
        "vigil.bpf.c",
        "vigil.h",
        "abi.h",
        "common.bpf.h",
        "syscalls.bpf.h",
        "process.bpf.h",
        "enforce.bpf.c",
        "enforce.h",
    ] {
        println!("cargo:rerun-if-changed=src/bpf/{f}");
    }
    println!("cargo:rerun-if-env-changed=CLANG");
}

fn build(src: &str, out: &std::path::Path, clang: &std::ffi::OsStr) {
    if let Err(e) = libbpf_cargo::SkeletonBuilder::new()
        .source(src)
        .clang(clang)
        .clang_args(["-Isrc/bpf", "-Wall", "-Wno-unused-function"])
        .build_and_generate(out)
    {
        // Name the missing piece: clang (apt-get install clang llvm) is the usual one.
        panic!(
            "building the eBPF probe ({src}) failed: {e:#}\n\
             the probe needs clang (set CLANG to pick one) with the BPF target: apt-get install clang llvm libelf-dev zlib1g-dev pkg-config"
        );
    }
}
