#include "easel/model_files/config_json.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "easel/core/error.hpp"

namespace easel::diffusion {
using nlohmann::json;

namespace {

// A value as the error shows it: its JSON, shortened.
std::string shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Only JSON integers count: converting a float to an integer is undefined when it is out of range.
bool whole_number_in(const json& value, std::int64_t min, std::int64_t max) {
  if (value.is_number_unsigned()) {
    const std::uint64_t number = value.get<std::uint64_t>();
    return max >= 0 && number <= static_cast<std::uint64_t>(max) &&
           (min <= 0 || number >= static_cast<std::uint64_t>(min));
  }
  return value.is_number_integer() && value.get<std::int64_t>() >= min && value.get<std::int64_t>() <= max;
}

std::string joined(std::initializer_list<const char*> items) {
  std::string text;
  for (const char* item : items) text += (text.empty() ? "" : ", ") + std::string(item);
  return text;
}

}  // namespace

json parse_config_json(std::string_view text, const std::string& source) {
  // nlohmann's parser keeps the last of repeated keys; the callback sees every key of every object.
  std::vector<std::set<std::string>> open_objects;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > max_config_depth) {
      throw Error(ErrorKind::input, source + " nests JSON deeper than " + std::to_string(max_config_depth) + " levels");
    }
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second) {
          throw Error(ErrorKind::input, source + " repeats the key " + shown(parsed) + " in one object");
        }
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& error) {
    throw Error(ErrorKind::input, source + " is not valid JSON: " + error.what());
  }
}

json read_config_file(const std::filesystem::path& path, const std::string& what, const std::string& hint) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorKind::capability, what + " " + path.string() + " not found (" + hint + ")");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > max_config_file_bytes) {
    throw Error(ErrorKind::input,
                what + " " + path.string() + " is larger than " + std::to_string(max_config_file_bytes >> 20) + " MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) throw Error(ErrorKind::input, "cannot read " + what + " " + path.string());
  return parse_config_json(content.str(), what + " " + path.string());
}

ConfigFields::ConfigFields(const json& object, std::string source) : object_(object), source_(std::move(source)) {
  if (!object_.is_object()) throw Error(ErrorKind::input, source_ + " is not a JSON object");
}

void ConfigFields::fail(const std::string& field, const std::string& problem) const {
  throw Error(ErrorKind::input, source_ + ": field '" + field + "' " + problem);
}

bool ConfigFields::has(const std::string& name) const {
  const auto found = object_.find(name);
  return found != object_.end() && !found->is_null();
}

std::optional<std::int64_t> ConfigFields::integer(const std::string& name, std::int64_t min, std::int64_t max) const {
  if (!has(name)) return std::nullopt;
  const json& value = object_.at(name);
  if (!whole_number_in(value, min, max)) {
    fail(name,
         "is " + shown(value) + "; allowed: a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value.get<std::int64_t>();
}

std::optional<std::vector<std::int64_t>> ConfigFields::integers(const std::string& name, std::int64_t min,
                                                                std::int64_t max, std::size_t max_count) const {
  if (!has(name)) return std::nullopt;
  const json& value = object_.at(name);
  if (!value.is_array()) return std::vector<std::int64_t>{*integer(name, min, max)};
  const std::string allowed = "; allowed: a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                              ", or a list of 1 to " + std::to_string(max_count) + " of them";
  if (value.empty() || value.size() > max_count) fail(name, "is " + shown(value) + allowed);
  std::vector<std::int64_t> values;
  for (const json& item : value) {
    if (!whole_number_in(item, min, max)) fail(name, "is " + shown(value) + allowed);
    values.push_back(item.get<std::int64_t>());
  }
  return values;
}

std::optional<double> ConfigFields::number(const std::string& name, double min, double max) const {
  if (!has(name)) return std::nullopt;
  const json& value = object_.at(name);
  std::ostringstream allowed;
  allowed << "; allowed: a number from " << min << " to " << max;
  if (!value.is_number()) fail(name, "is " + shown(value) + allowed.str());
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < min || number > max) fail(name, "is " + shown(value) + allowed.str());
  return number;
}

std::optional<bool> ConfigFields::boolean(const std::string& name) const {
  if (!has(name)) return std::nullopt;
  const json& value = object_.at(name);
  if (!value.is_boolean()) fail(name, "is " + shown(value) + "; allowed: true or false");
  return value.get<bool>();
}

std::optional<std::string> ConfigFields::text(const std::string& name) const {
  if (!has(name)) return std::nullopt;
  const json& value = object_.at(name);
  if (!value.is_string()) fail(name, "is " + shown(value) + "; allowed: a string");
  return value.get<std::string>();
}

std::optional<std::string> ConfigFields::choice(const std::string& name,
                                                std::initializer_list<const char*> allowed) const {
  const auto value = text(name);
  if (!value) return std::nullopt;
  for (const char* option : allowed) {
    if (*value == option) return value;
  }
  fail(name, "is " + shown(object_.at(name)) + "; allowed: " + joined(allowed));
}

}  // namespace easel::diffusion
