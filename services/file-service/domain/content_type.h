// What a file is, decided from its bytes (magic numbers), never from the client's
// Content-Type or file name; and which types the service accepts.
//
//   DetectedType type = detect_content_type(head, tail, "notes.md");
//   // type.name == "md", type.mime == "text/markdown; charset=utf-8"
//   auto allowlist = Allowlist::parse("pdf,docx,odt,txt,md,png,jpeg");
//   if (!allowlist->allows(type)) return unsupported(type.name);
//
// The caller reads `head` (the first min(size, kHeadBytes) bytes) and `tail` (the last
// min(size, kTailBytes) bytes) from the spooled upload; for a small file both are the
// whole content. The tail holds a ZIP's End Of Central Directory record and, in every
// real Office document, the central directory itself.
//
// Decisions:
// - Signatures are only looked for at offset 0 (PDF readers accept "%PDF-" anywhere in
//   the first KiB, but a file with something before it is a polyglot we do not want).
// - Executables (ELF, PE "MZ", Mach-O, shebang scripts "#!") are recognised by name so
//   that they are never mistaken for text, whatever they are called. A text that happens
//   to start with "MZ" or "#!" is refused with them: the safe side of a two-byte magic.
// - ODT: a ZIP whose first entry is "mimetype", stored, holding exactly
//   "application/vnd.oasis.opendocument.text" (ODF 1.2 part 3, 3.3).
// - DOCX: a ZIP whose central directory lists "[Content_Types].xml" and
//   "word/document.xml"; "docm" when it also holds "word/vbaProject.bin", so that a
//   macro-enabled document is never accepted as a docx. When the central directory cannot
//   be read from the tail, the local headers in the head are walked instead. Any other
//   ZIP (spreadsheets, presentations, other ODF types included) is "zip".
// - Text: valid UTF-8 (a BOM allowed), no NUL, no control characters but \t \n \f \r
//   (ESC and DEL included: terminal escapes are not text). A UTF-8 sequence cut by the
//   end of the head or the start of the tail is allowed when that edge is not the edge
//   of the content. "md" when the name ends in .md or .markdown (any case), else "txt".
//   Only the head and tail are checked; TextScanner checks the whole content when the
//   caller streams it.
// - Empty content is text ("txt" or "md"): an empty note is a legitimate upload; a
//   service that refuses empty files says so separately.
// - Anything else is "unknown", application/octet-stream.
//
// Standard library and platform::core only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"

namespace file_service::domain {

inline constexpr std::size_t kHeadBytes = std::size_t{8} * 1024;
inline constexpr std::size_t kTailBytes = std::size_t{64} * 1024;

struct DetectedType {
  std::string name;  // short and stable: "pdf", "docx", "txt", "elf", "unknown"
  std::string mime;  // the Content-Type to store and serve: "application/pdf"

  friend bool operator==(const DetectedType&, const DetectedType&) = default;
};

DetectedType detect_content_type(std::string_view head, std::string_view tail,
                                 std::string_view filename);

// The type a short name stands for, e.g. "pdf" -> application/pdf; nullopt for a name
// the detector never returns.
std::optional<DetectedType> type_named(std::string_view name);

// Whether a whole content is text in the sense above, fed chunk by chunk (a UTF-8
// sequence may be split between chunks).
//
//   TextScanner scanner;
//   while (read(chunk)) scanner.feed(chunk);
//   bool text = scanner.finish();
class TextScanner {
 public:
  void feed(std::string_view chunk);
  // True when everything fed is text and no UTF-8 sequence is left unfinished.
  bool finish() const { return text_ && pending_.empty(); }
  // True when nothing fed so far rules text out; an unfinished sequence at the end is
  // not held against it (the content may go on).
  bool text_so_far() const { return text_; }

 private:
  bool text_ = true;
  std::string pending_;  // an unfinished UTF-8 sequence from the previous chunk
};

// The set of type names the service accepts, from a setting such as
// "pdf,docx,odt,txt,md,png,jpeg" ("jpg" is read as "jpeg"; case and spaces ignored).
class Allowlist {
 public:
  // kInvalidArgument (field "allowed_types") naming every unknown name, or when the
  // setting names no type at all.
  static platform::core::Result<Allowlist> parse(std::string_view setting);

  bool allows(const DetectedType& type) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace file_service::domain
