#pragma once
// Runs a validated variation request (variation_request.hpp) as the one-step edit it is, for the
// synchronous endpoint and for variations jobs alike.
#include "easel/serve/edit_service.hpp"

namespace easel::serve {

// What a client can get wrong in the server's own plan is the model, so errors about the plan name the
// `model` field.
EditResult run_variation_request(const EditRequest& variation, const EditContext& context);

}  // namespace easel::serve
