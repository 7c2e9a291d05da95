#include "native_symbols.h"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hotpath {

namespace {

// Distinct callback addresses remembered at most (a process calls a few hundred at most).
constexpr size_t kMaxCached = 4096;

struct LoadedObject {
  std::string path;
  uintptr_t bias = 0;  // what the loader added to the file's addresses
};

// The loaded object whose segments hold address (dl_iterate_phdr: in every glibc, unlike
// dladdr, which moved to a new symbol version in 2.34).
bool ObjectAt(uintptr_t address, LoadedObject* out) {
  struct Search {
    uintptr_t address;
    LoadedObject* out;
    bool found;
  } search{address, out, false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        for (int i = 0; i < info->dlpi_phnum; i++) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          if (ph.p_type != PT_LOAD || s->address < start || s->address >= start + ph.p_memsz) continue;
          // The main program has no name here.
          s->out->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
          s->out->bias = info->dlpi_addr;
          s->found = true;
          return 1;
        }
        return 0;
      },
      &search);
  return search.found;
}

// The function symbol whose value is exactly `value` in an ELF image: from .symtab when there
// is one (every function), else from .dynsym (the exported ones).
std::string SymbolIn(const uint8_t* base, size_t size, uintptr_t value) {
  const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32)) return {};
  if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shoff + size_t(eh->e_shnum) * sizeof(ElfW(Shdr)) > size) return {};
  const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + eh->e_shoff);
  for (uint32_t type : {uint32_t(SHT_SYMTAB), uint32_t(SHT_DYNSYM)}) {
    for (int i = 0; i < eh->e_shnum; i++) {
      const ElfW(Shdr)& table = sh[i];
      if (table.sh_type != type || table.sh_link >= eh->e_shnum || table.sh_entsize != sizeof(ElfW(Sym))) continue;
      const ElfW(Shdr)& names = sh[table.sh_link];
      if (table.sh_offset + table.sh_size > size || names.sh_offset + names.sh_size > size) continue;
      const auto* syms = reinterpret_cast<const ElfW(Sym)*>(base + table.sh_offset);
      for (size_t k = 0, n = table.sh_size / sizeof(ElfW(Sym)); k < n; k++) {
        const ElfW(Sym)& sym = syms[k];
        if ((sym.st_info & 0xf) != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value != value || sym.st_name >= names.sh_size) continue;
        const char* name = reinterpret_cast<const char*>(base + names.sh_offset + sym.st_name);
        return std::string(name, strnlen(name, names.sh_size - sym.st_name));
      }
    }
  }
  return {};
}

std::string SymbolAt(const LoadedObject& object, uintptr_t address) {
  int fd = open(object.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string name;
  // The size by lseek, not fstat: glibc 2.33 gave fstat a new symbol version (the prebuilds
  // load on 2.28).
  off_t end = lseek(fd, 0, SEEK_END);
  if (end > off_t(sizeof(ElfW(Ehdr)))) {
    // Mapped only for this look-up: the pages read (the symbol tables) are the file's, shared
    // and given back with the mapping.
    size_t size = size_t(end);
    void* image = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (image != MAP_FAILED) {
      name = SymbolIn(static_cast<const uint8_t*>(image), size, address - object.bias);
      munmap(image, size);
    }
  }
  close(fd);
  return name;
}

// "int node::StreamBase::WriteString<(node::encoding)1>(v8::FunctionCallbackInfo<...> const&)"
// -> "node::StreamBase::WriteString": no return type, template arguments or parameters.
std::string ShortName(const std::string& symbol) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : symbol;
  free(demangled);
  static const std::string kAnonymous = "(anonymous namespace)";
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < full.size(); i++) {
    char c = full[i];
    if (depth == 0 && full.compare(i, kAnonymous.size(), kAnonymous) == 0) {
      out += kAnonymous;
      i += kAnonymous.size() - 1;
    } else if (c == '(' && depth == 0) {
      break;  // the parameters
    } else if (c == '<' || c == '(') {
      depth++;
    } else if ((c == '>' || c == ')') && depth > 0) {
      depth--;
    } else if (depth == 0) {
      if (c == ' ') out.clear();  // what came before was the return type
      else out += c;
    }
  }
  return out.empty() ? full : out;
}

std::mutex gLock;
std::unordered_map<uintptr_t, std::shared_ptr<const CodeInfo>>* gCache = new std::unordered_map<uintptr_t, std::shared_ptr<const CodeInfo>>();

}  // namespace

std::shared_ptr<const CodeInfo> NativeCallbackInfo(uintptr_t address) {
  std::lock_guard<std::mutex> lk(gLock);
  auto it = gCache->find(address);
  if (it != gCache->end()) return it->second;
  std::shared_ptr<const CodeInfo> info;
  LoadedObject object;
  if (ObjectAt(address, &object)) {
    std::string symbol = SymbolAt(object, address);
    if (!symbol.empty()) {
      auto made = std::make_shared<CodeInfo>();
      made->name = ShortName(symbol);
      made->kind = CodeKind::kBuiltin;
      info = std::move(made);
    }
  }
  if (gCache->size() >= kMaxCached) gCache->clear();
  gCache->emplace(address, info);  // misses too: each address is looked up once
  return info;
}

}  // namespace hotpath
