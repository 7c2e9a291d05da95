// watchThreadEnd(sharedArrayBuffer, index, previous?): when this thread's environment goes away
// (a normal end, process.exit in a worker, or terminate()), store 1 into Int32 slot `index` of
// the buffer. The store is made in an environment cleanup hook, after the thread's last JS ran,
// so every record the thread wrote before is visible to a thread that reads the slot with
// Atomics.load. With `previous` (a buffer watched before on this thread, which the new one
// replaces: an arena that grew), that watch moves to the new buffer and the old one is let go.
#include "thread_end.h"

#include <v8.h>

#include <cstring>
#include <memory>
#include <vector>

namespace hotpath {
namespace {

struct Watch {
  std::shared_ptr<v8::BackingStore> store;  // keeps the memory alive whoever frees the buffer
  size_t index;
};

// This thread's watches (a JS thread runs one environment, and its cleanup hooks run on it).
thread_local std::vector<Watch*> tWatches;

void MarkEnded(void* data) {
  auto* w = static_cast<Watch*>(data);
  auto* slots = static_cast<int32_t*>(w->store->Data());
  __atomic_store_n(&slots[w->index], 1, __ATOMIC_SEQ_CST);
  std::erase(tWatches, w);
  delete w;
}

bool SharedStore(Napi::Env env, napi_value arg, std::shared_ptr<v8::BackingStore>* out) {
  v8::Local<v8::Value> value;
  static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value), "napi_value is a Local");
  memcpy(static_cast<void*>(&value), &arg, sizeof(arg));
  if (!value->IsSharedArrayBuffer()) {
    Napi::TypeError::New(env, "hotpath: watchThreadEnd needs SharedArrayBuffers").ThrowAsJavaScriptException();
    return false;
  }
  *out = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
  return true;
}

Napi::Value JsWatchThreadEnd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<v8::BackingStore> store;
  if (!SharedStore(env, info[0], &store)) return env.Undefined();
  double index = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  if (!(index >= 0) || (size_t(index) + 1) * sizeof(int32_t) > store->ByteLength()) {
    Napi::RangeError::New(env, "hotpath: watchThreadEnd: the slot is outside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    std::shared_ptr<v8::BackingStore> previous;
    if (!SharedStore(env, info[2], &previous)) return env.Undefined();
    for (Watch* w : tWatches) {
      if (w->store->Data() != previous->Data()) continue;
      w->store = std::move(store);
      w->index = size_t(index);
      return env.Undefined();
    }
  }
  auto* w = new Watch{std::move(store), size_t(index)};
  tWatches.push_back(w);
  napi_add_env_cleanup_hook(env, MarkEnded, w);
  return env.Undefined();
}

}  // namespace

void InitThreadEnd(Napi::Env env, Napi::Object exports) {
  exports.Set("watchThreadEnd", Napi::Function::New(env, JsWatchThreadEnd, "watchThreadEnd"));
}

}  // namespace hotpath
