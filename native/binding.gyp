{
  "targets": [
    {
      "target_name": "hotpath",
      "sources": ["src/addon.cc", "src/time_profiler.cc", "src/sampler.cc", "src/symbolize.cc", "src/stack_store.cc", "src/code_map.cc", "src/heap_profiler.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an error raised while a worker is being terminated
      # cannot be thrown into JS; without it node-addon-api throws a C++ exception out of its own
      # catch handler and the process aborts ("terminate called after throwing Napi::Error",
      # seen once in the 200-worker churn test).
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++20", "-fexceptions"],
      "ldflags": ["-Wl,-z,nodelete"]
    }
  ]
}
