#pragma once
// Typed operation parameters: the declaration every door (planner, CLI, HTTP API, web UI) reads, and
// the validation every plan passes before it runs.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace easel {

using json = nlohmann::json;

enum class ParamType {
  number,   // a real number, optionally within [min, max]
  integer,  // a whole number, optionally within [min, max]
  boolean,
  string,  // free text
  choice,  // one of `choices`
  color,   // "#rrggbb", "#rrggbbaa" or a colour name
  aspect,  // "W:H" (e.g. "16:9") or a positive number (width / height)
  box,     // [x, y, w, h] as fractions of the image's width and height
  quad,    // [x1, y1, x2, y2, x3, y3, x4, y4]: corners (top-left, top-right, bottom-right, bottom-left) as fractions
  image_file,  // path of an image the op reads (PNG, JPEG or WebP): part of the step's identity, kept by documents
};

const char* param_type_name(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::number;
  std::string description;
  json default_value;  // null: optional with no default (the op decides), unless `required`
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> choices;
  std::string unit;
  bool required = false;
};

// Checks one value against its spec; returns the normalised value (numbers as numbers, colours as
// "#rrggbbaa", aspects as "W:H" or a number). Throws Error(plan) naming `where` and the parameter.
json validate_param_value(const ParamSpec& spec, const json& value, const std::string& where);

json param_spec_to_json(const ParamSpec& spec);

// Builders for declarations, so an op lists each parameter in one expression. `fallback` null: optional
// with no default (the op decides).
ParamSpec make_param(const char* name, ParamType type, const char* description, json fallback = nullptr,
                     std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt,
                     const char* unit = "");
ParamSpec make_choice(const char* name, const char* description, std::vector<std::string> choices,
                      const char* fallback);

}  // namespace easel

namespace easel {

struct AspectRatio {
  int width = 1;
  int height = 1;
  double value() const { return static_cast<double>(width) / height; }
};

// "16:9", "16x9", "1.5" or 1.5 → a reduced ratio; nullopt when not an aspect ratio. Decimal values are
// turned into the closest ratio with a denominator up to 100, so "1.7778" becomes 16:9.
std::optional<AspectRatio> parse_aspect_ratio(const json& value);

}  // namespace easel
