// Names of native C++ callbacks: a sample taken inside one carries the callback's entry address
// (v8::SampleInfo::external_callback_entry). V8's code events never name them (CodeEventLogger
// and the public CodeEventHandler's listener leave CallbackEvent empty), so the name comes from
// the ELF symbol table of the binary the address lies in: the node executable's full .symtab
// (Node's release binaries are not stripped: internal bindings such as node::fs::Read are
// there), else the library's exported symbols (dladdr). Runs while symbolizing, never in the
// signal handler.
#pragma once

#include <cstdint>
#include <memory>

#include "code_map.h"

namespace hotpath {

// The callback at `address` (a function's first instruction), demangled and cut to its
// qualified name ("node::fs::Read"), or null when no symbol starts there. Cached.
std::shared_ptr<const CodeInfo> NativeCallbackInfo(uintptr_t address);

}  // namespace hotpath
