#include "easel/serve/plan_preview.hpp"

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "easel/ops/registry.hpp"
#include "easel/plan/plan_explainer.hpp"
#include "easel/run/edit_flow.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/bytes_codec.hpp"
#include "easel/serve/edit_request.hpp"

namespace easel::serve {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Empty stand-ins for the uploads an edit will bring, named by the server, removed with the folder.
class StandInFiles {
 public:
  explicit StandInFiles(const fs::path& scratch_dir) : folder_(scratch_dir / random_id("plan_")) {
    fs::create_directories(folder_);
  }
  ~StandInFiles() {
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }
  StandInFiles(const StandInFiles&) = delete;
  StandInFiles& operator=(const StandInFiles&) = delete;

  // A file standing in for the request field `field` ("image[1]", "mask").
  std::string add(const std::string& field) {
    const fs::path path = folder_ / ("upload-" + std::to_string(fields_.size()));
    std::ofstream(path).close();
    fields_.emplace_back(path.string(), field);
    return path.string();
  }

  // `value` with every stand-in's path replaced by its field name, as the edit endpoint reports them.
  json named(const json& value) const { return with_paths_renamed(value, fields_); }

 private:
  fs::path folder_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

constexpr const char* kMaskField = "mask";

std::string touches(const json& target) {
  if (target == json{{"mask", kMaskField}}) return "the area painted in the mask";
  return describe_target(target);
}

std::string read_prompt(const json& body, const RequestLimits& limits) {
  if (!body.contains("prompt"))
    throw invalid_field("prompt", "'prompt' is required: the instruction to plan", "missing_required_parameter");
  if (!body["prompt"].is_string()) throw invalid_field("prompt", "'prompt' must be a string");
  std::string prompt = body["prompt"].get<std::string>();
  if (prompt.size() > limits.max_prompt_bytes) {
    throw invalid_field("prompt", "'prompt' is " + std::to_string(prompt.size()) + " bytes; at most " +
                                      std::to_string(limits.max_prompt_bytes) + " are allowed");
  }
  return prompt;
}

// Numbers and booleans may come as their string form, as everywhere else in the API.
std::size_t read_references(const json& body, const RequestLimits& limits) {
  if (!body.contains("references")) return 0;
  const json& value = body["references"];
  const std::size_t most = limits.max_images - 1;
  const std::string allowed =
      "'references' is the number of reference images sent after the source: an integer 0.." + std::to_string(most);
  long long count = -1;
  if (value.is_number_integer()) {
    count = value.get<long long>();
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos)
      throw invalid_field("references", allowed);
    count = std::stoll(text);
  }
  if (count < 0 || static_cast<unsigned long long>(count) > most) throw invalid_field("references", allowed);
  return static_cast<std::size_t>(count);
}

bool read_mask(const json& body) {
  if (!body.contains("mask")) return false;
  const json& value = body["mask"];
  if (value.is_boolean()) return value.get<bool>();
  if (value == "true") return true;
  if (value == "false") return false;
  throw invalid_field("mask", "'mask' says whether a mask will be sent with the edit: true or false");
}

}  // namespace

json preview_plan(const json& body, const RequestLimits& limits, const fs::path& scratch_dir) {
  if (!body.is_object()) {
    throw invalid_field("",
                        "the body must be a JSON object: {\"prompt\": ..., \"references\": N, \"mask\": true|false, "
                        "\"size\": \"auto\"|\"WxH\"}",
                        "invalid_json");
  }
  for (const auto& item : body.items()) {
    if (item.key() != "prompt" && item.key() != "references" && item.key() != "mask" && item.key() != "size") {
      throw invalid_field(item.key(),
                          "Unrecognized request argument supplied: " + item.key() +
                              " (POST /v1/plans takes prompt, references, mask and size)",
                          "unknown_parameter");
    }
  }
  const std::string prompt = read_prompt(body, limits);
  const std::size_t references = read_references(body, limits);
  const bool masked = read_mask(body);
  if (body.contains("size") && !body["size"].is_string())
    throw invalid_field("size", "'size' must be a string: 'auto' or WIDTHxHEIGHT");
  const OutputSize size = parse_output_size(body.value("size", "auto"));

  StandInFiles uploads(scratch_dir);
  PlanInputs inputs;
  for (std::size_t k = 1; k <= references; ++k)
    inputs.references.push_back(uploads.add("image[" + std::to_string(k) + "]"));
  if (masked) inputs.mask = uploads.add(kMaskField);
  EditOrder order;
  order.instruction = prompt;
  order.inputs = inputs;
  if (!size.automatic()) order.size = cv::Size(size.width, size.height);
  EditPlan plan;
  try {
    plan = draft_edit(order);  // as the edit endpoint plans it, before seeds are drawn
  } catch (const Error& error) {
    throw api_error_from(error, "prompt");
  }
  const json plan_json = uploads.named(to_json(plan));
  json steps = json::array();
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const json& step = plan_json["steps"][i];
    const OperationSpec* spec = registry().find(plan.steps[i].op);
    steps.push_back({{"op", step["op"]},
                     {"description", spec != nullptr ? spec->description : std::string()},
                     {"touches", touches(step["target"])},
                     {"target", step["target"]},
                     {"params", step["params"]},
                     {"clause", step.value("clause", "")}});
  }
  json preserve = json::array();
  for (const auto& item : plan_json.value("preserve", json::array()))
    preserve.push_back({{"touches", touches(item["target"])}, {"clause", item.value("clause", "")}});
  return {{"object", "plan"},
          {"plan", plan_json},
          {"steps", steps},
          {"preserve", preserve},
          {"unsupported", plan_json.value("unsupported", json::array())},
          {"explanation", uploads.named(explain_plan(plan)).get<std::string>()},
          {"runnable", !plan.steps.empty()}};
}

}  // namespace easel::serve
