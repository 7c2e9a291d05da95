// hotpath's native addon. Thin by design: it hands out compact arrays and never aggregates.
#include <napi.h>

#include "heap_profiler.h"
#include "thread_end.h"
#include "time_profiler.h"

namespace hotpath {

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), 1);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  InitTimeProfiler(env, exports);
  InitHeapProfiler(env, exports);
  InitThreadEnd(env, exports);
  return exports;
}

}  // namespace hotpath

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return hotpath::Init(env, exports); }
NODE_API_MODULE(hotpath, InitModule)
