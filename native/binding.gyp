# The ringvec native addon: N-API (C, no C++), built by node-gyp from `npm install`
# (scripts/build-native.mjs). Linux-only features (io_uring, mincore) compile to stubs elsewhere.
{
  "targets": [
    {
      "target_name": "ringvec",
      "sources": [
        "src/addon.c",
        "src/kernels.c",
        "src/mmap.c",
        "src/probe.c",
        "src/io_uring.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      # -ffp-contract=off: the kernels must not fuse l2sq/l1 multiply-adds (bit-identity with the
      # TypeScript reference). SIMD variants are selected at run time by target attributes, so
      # the baseline flags stay portable.
      "cflags": ["-O3", "-ffp-contract=off", "-fno-strict-aliasing", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=gnu11"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-ffp-contract=off"]
      }
    }
  ]
}
