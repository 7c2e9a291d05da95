// The process-wide code map: which function's code lies at an address, and at which source line
// an offset in that code is. Built from V8's JitCodeEvents (SetJitCodeEventHandler with
// kJitCodeEventEnumExisting, registered on each profiled isolate), read when samples are
// symbolized, off the signal path (RESEARCH.md, "Sampling without V8's CpuProfiler").
//
// Every event takes the next sequence number; a sample carries the number current when it was
// taken (CodeMapSeq(), one atomic load, signal-safe), and Lookup(pc, seq) answers for the map as
// it stood then: ranges replaced or moved away since are kept ("retired") until no sample that
// may need them is left (Trim). V8 sends no removal events: a new range replaces every range
// it overlaps, and past a limit the ranges no sample named for longest are evicted.
#pragma once

#include <v8.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hotpath {

enum class CodeKind : uint8_t {
  kJs = 0,          // a JS function (Ignition bytecode or compiled code)
  kBuiltin = 1,     // a V8 builtin, shown as a frame of its own
  kHandler = 2,     // an interpreter bytecode handler or trampoline: time belongs to the JS frame
  kRegExp = 3,      // Irregexp code
  kOther = 4,       // stubs, wasm and anything else V8 names
};

// What a code range is: shared by every range of the same function (tiers, moves).
struct CodeInfo {
  std::string name;  // function name ("" for anonymous) or builtin name
  std::string url;   // script name or URL ("" when none)
  int32_t line = 0;  // the function's first line (1-based), 0 when unknown
  int32_t column = 0;
  CodeKind kind = CodeKind::kOther;
  char tier = 0;     // '~' Ignition, '^' Sparkplug, '+' Maglev, '*' TurboFan, 0 otherwise
};

struct CodeHit {
  std::shared_ptr<const CodeInfo> info;
  int32_t line = 0;  // the line at the looked-up offset, or the function's line
  bool exactLine = false;
  bool bytecode = false;
};

// Registers the code map's handler on this isolate (its existing code is enumerated now).
void CodeMapAttach(v8::Isolate* isolate);
// Unregisters it (before the isolate goes away).
void CodeMapDetach(v8::Isolate* isolate);
// The current sequence number: signal-safe.
uint64_t CodeMapSeq();
// The code at pc in the map as it stood at seq. `returnAddress`: pc is a return address (a
// caller's frame), so its call instruction is the byte before it.
bool CodeMapLookup(uintptr_t pc, uint64_t seq, bool returnAddress, CodeHit* out);
// URLs of the scripts `isolate` compiled code of since the last call (for source maps that
// only the thread's own isolate knows).
std::vector<std::string> CodeMapTakeNewScripts(v8::Isolate* isolate);
// Forgets retired ranges no sample taken at seq or later can need.
void CodeMapTrim(uint64_t seq);

struct CodeMapStats {
  // unknownMoves: code objects moved that V8 never announced (each counted at its first move).
  uint64_t live = 0, retired = 0, adds = 0, moves = 0, unknownMoves = 0, lineTables = 0, evicted = 0;
  uint64_t bytes = 0;  // what the map holds, approximately (withBytes: a walk of the whole map)
};
CodeMapStats CodeMapGetStats(bool withBytes = false);

}  // namespace hotpath
