#include "easel/serve/model_list.hpp"

#include "easel/models/model_catalog.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/ops/generative_operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/serve/edit_request.hpp"

namespace easel::serve {
using nlohmann::json;

namespace {

json model_entry(const std::string& id, const json& details) {
  return {{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "easel"}, {"easel", details}};
}

}  // namespace

json model_list(const models::ModelPaths& paths) {
  json operations = json::array();
  for (const auto& [name, spec] : registry().all())
    if (spec.model == "none") operations.push_back(name);
  const json generative = generative_operations();
  json data = json::array({model_entry(
      kEditModel, {{"kind", "edit"},
                   {"endpoints", {"/v1/images/edits", "/v1/jobs"}},
                   {"operations", operations},
                   {"generative_operations", generative},
                   {"aliases", {"gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "dall-e-2"}}})});
  // Installed diffusion models and LoRA files (easel models list), usable by POST /v1/images/generations when this
  // build has the generation engine: what each enables, what it lacks and the base that supplies it,
  // or why it cannot be used.
  for (const auto& model : models::list_models(paths)) {
    // A LoRA file is listed for the "loras" field, not as a model to generate with.
    json details = {{"kind", model.traits.family == "LoRA" ? "lora" : "diffusion"},
                    {"family", model.traits.family},
                    {"variant", model.traits.variant},
                    {"usable", model.problem.empty()},
                    {"enables", model.problem.empty() ? json(model.traits.enables) : json::array()},
                    {"missing", model.traits.missing},
                    {"engine_available", has_generation_engine()}};
    if (!model.traits.base.empty()) details["base"] = model.traits.base;
    if (!model.problem.empty()) details["problem"] = model.problem;
    data.push_back(model_entry(model.location.name, details));
  }
  return {{"object", "list"}, {"data", data}};
}

}  // namespace easel::serve
