// The one way the addon reports an error to JavaScript: an Error with code HOTPATH_ADDON (the
// message, one line, starts with "hotpath: " and names the problem).
#pragma once

#include <napi.h>

namespace hotpath {

inline Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, "HOTPATH_ADDON"));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace hotpath
