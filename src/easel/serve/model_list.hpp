#pragma once
// GET /v1/models: the edit model (with the operations it runs) and the installed diffusion models.
#include <nlohmann/json.hpp>

namespace easel::serve {

// {"object": "list", "data": [...]} in OpenAI's shape, Easel's details under each entry's `easel`.
nlohmann::json model_list();

}  // namespace easel::serve
