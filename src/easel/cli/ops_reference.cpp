#include "easel/cli/ops_reference.hpp"

#include <cmath>
#include <sstream>

#include "easel/ops/registry.hpp"

namespace easel::cli {
namespace {

// A JSON value as a reader writes it: strings without quotes, whole numbers without a fraction.
std::string plain(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (number == std::floor(number) && std::fabs(number) < 1e18) return std::to_string(static_cast<long long>(number));
  }
  return value.dump();
}

std::string default_of(const ParamSpec& param) {
  if (param.required) return "required";
  if (param.default_value.is_null()) return "—";
  if (param.default_value == "") return "empty";
  return "`" + plain(param.default_value) + "`";
}

// Table cells cannot hold a raw '|'.
std::string cell(std::string text) {
  for (std::size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2))
    text.replace(at, 1, "\\|");
  return text;
}

std::string allowed_values(const ParamSpec& param) {
  std::string text;
  if (!param.choices.empty()) {
    for (const auto& choice : param.choices) text += (text.empty() ? "" : ", ") + ("`" + choice + "`");
  } else if (param.min || param.max) {
    text = (param.min ? plain(*param.min) : "") + " … " + (param.max ? plain(*param.max) : "");
  }
  if (!param.unit.empty()) text += (text.empty() ? "" : " ") + param.unit;
  return text;
}

void write_operation(std::ostringstream& out, const OperationSpec& spec) {
  out << "### `" << spec.name << "`\n\n" << spec.description << "\n\n";
  out << "Targets:";
  for (std::size_t i = 0; i < spec.regions.size(); ++i)
    out << (i ? ", " : " ") << "`" << region_kind_name(spec.regions[i]) << "`";
  out << ". Needs: " << (spec.model == "none" ? "nothing but the image" : "`" + spec.model + "`") << ".";
  if (spec.changes_canvas) out << " Changes the canvas size.";
  out << "\n\n";
  if (spec.params.empty()) {
    out << "No parameters.\n\n";
    return;
  }
  out << "| parameter | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
  for (const auto& param : spec.params) {
    out << "| `" << param.name << "` | " << param_type_name(param.type) << " | " << cell(default_of(param)) << " | "
        << cell(allowed_values(param)) << " | " << cell(param.description) << " |\n";
  }
  out << "\n";
}

}  // namespace

std::string ops_reference_markdown() {
  std::ostringstream out;
  for (const auto& [name, spec] : registry().all()) write_operation(out, spec);
  return out.str();
}

}  // namespace easel::cli
