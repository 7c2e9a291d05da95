{
  "targets": [
    {
      "target_name": "hotpath",
      "sources": ["src/addon.cc", "src/time_profiler.cc", "src/thread_registry.cc", "src/heap_profiler.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++20", "-fexceptions"],
      "ldflags": ["-Wl,-z,nodelete"]
    }
  ]
}
