/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vigil's kernel probe: one object, three families of programs (see the headers it includes).
 * The license string is the kernel's requirement for the GPL-only helpers we call
 * (bpf_probe_read_*, bpf_ringbuf_*); the source is Apache-2.0 like the rest of Vigil.
 */
#include "common.bpf.h"
#include "syscalls.bpf.h"
#include "process.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";
