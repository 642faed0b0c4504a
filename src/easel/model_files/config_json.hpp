#pragma once
// Model configuration files (diffusers' config.json files, model_index.json, tokenizer maps, Easel's
// sidecars, safetensors headers) read as untrusted input: every value is checked for its type and range
// when it is read, so nothing downstream divides by a count of zero or sizes a buffer from a number
// nobody checked. Torch-free (the fuzz build links it alone).
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace easel::diffusion {

// Deeper nesting than any real config (diffusers' are 2 levels deep) is refused before it is built.
constexpr int max_config_depth = 64;
// Config files larger than this are refused unread (real ones are a few KB; safetensors headers have their own limit).
constexpr std::uintmax_t max_config_file_bytes = 16u << 20;

// `text` as JSON, at most max_config_depth levels deep, with no key repeated within an object (a
// repeated key would silently hide the first value); Error(input) naming `source` otherwise.
nlohmann::json parse_config_json(std::string_view text, const std::string& source);

// The file's JSON (parse_config_json). A missing file is Error(capability) "<what> <path> not found
// (<hint>)"; an unreadable or oversized one Error(input).
nlohmann::json read_config_file(const std::filesystem::path& path, const std::string& what, const std::string& hint);

// Typed, range-checked fields of one JSON object. An absent field, or one set to null (diffusers writes
// null for "not set"), reads as nullopt; a present field of the wrong type or out of range is
// Error(input) naming the source, the field, the value and what is allowed.
class ConfigFields {
 public:
  // Error(input) when `object` is not a JSON object.
  ConfigFields(const nlohmann::json& object, std::string source);

  std::optional<std::int64_t> integer(const std::string& name, std::int64_t min, std::int64_t max) const;
  // A whole number, or a non-empty array of at most `max_count` of them.
  std::optional<std::vector<std::int64_t>> integers(const std::string& name, std::int64_t min, std::int64_t max,
                                                    std::size_t max_count) const;
  // A finite number in [min, max].
  std::optional<double> number(const std::string& name, double min, double max) const;
  std::optional<bool> boolean(const std::string& name) const;
  std::optional<std::string> text(const std::string& name) const;
  // A string from `allowed`.
  std::optional<std::string> choice(const std::string& name, std::initializer_list<const char*> allowed) const;
  // Present and not null.
  bool has(const std::string& name) const;

  const nlohmann::json& object() const { return object_; }
  const std::string& source() const { return source_; }
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const;

 private:
  const nlohmann::json& object_;
  std::string source_;
};

}  // namespace easel::diffusion
