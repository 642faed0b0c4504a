#pragma once
// GET /v1/models: the edit model (with the operations it runs) and the installed diffusion models.
#include <nlohmann/json.hpp>

#include "easel/models/model_paths.hpp"

namespace easel::serve {

// {"object": "list", "data": [...]} in OpenAI's shape, the diffusion models those found in `paths`, Easel's details
// under each entry's `easel`.
nlohmann::json model_list(const models::ModelPaths& paths);

}  // namespace easel::serve
