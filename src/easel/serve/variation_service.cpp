#include "easel/serve/variation_service.hpp"

#include "easel/serve/api_error.hpp"

namespace easel::serve {

EditResult run_variation_request(const EditRequest& variation, const EditContext& context) {
  try {
    return run_edit_request(variation, context);
  } catch (const ApiError& error) {
    if (error.param() == "plan") throw ApiError(error.status(), error.type(), error.what(), "model", error.code());
    throw;
  }
}

}  // namespace easel::serve
