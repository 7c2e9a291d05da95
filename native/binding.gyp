{
  # sanitize=address (scripts/build-native.sh --asan): an AddressSanitizer build for the
  # lifetime tests (scripts/test-asan.sh), never shipped. libstdc++ is then linked shared, so
  # that the preloaded libasan sees every new and delete.
  "variables": {"sanitize%": ""},
  "targets": [
    {
      "target_name": "hotpath",
      "sources": ["src/addon.cc", "src/time_profiler.cc", "src/sampler.cc", "src/symbolize.cc", "src/stack_store.cc", "src/code_map.cc", "src/native_symbols.cc", "src/heap_profiler.cc", "src/thread_end.cc", "src/cpu_clock_event.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an error raised while a worker is being terminated
      # cannot be thrown into JS; without it node-addon-api throws a C++ exception out of its own
      # catch handler and the process aborts ("terminate called after throwing Napi::Error",
      # seen once in the 200-worker churn test).
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++20", "-fexceptions"],
      "ldflags": ["-Wl,-z,nodelete"],
      # Prebuilds must load on glibc 2.28 and later whatever glibc and libstdc++ they are built
      # on: libstdc++ linked in, and src/glibc_compat.h (with the --wrap list) holds the glibc
      # symbol versions to that floor.
      "conditions": [
        ["sanitize=='address'", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address"]
        }],
        ["OS=='linux' and sanitize==''", {
          "ldflags": ["-static-libstdc++"]
        }],
        ["OS=='linux'", {
          "cflags_cc": ["-include", "<(module_root_dir)/src/glibc_compat.h"],
          "ldflags": [
            "-Wl,--wrap=pthread_create,--wrap=pthread_join,--wrap=pthread_detach,--wrap=pthread_once",
            "-Wl,--wrap=pthread_key_create,--wrap=__pthread_key_create,--wrap=pthread_key_delete",
            "-Wl,--wrap=pthread_getspecific,--wrap=pthread_setspecific,--wrap=arc4random",
            "-Wl,--exclude-libs,ALL"]
        }]
      ]
    }
  ]
}
