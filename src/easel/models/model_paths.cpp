#include "easel/models/model_paths.hpp"

#include "easel/core/error.hpp"

namespace easel::models {

const std::filesystem::path& ModelPaths::required_models_dir() const {
  if (models_dir.empty())
    throw Error(ErrorKind::capability, "no models directory: set EASEL_MODELS (or HOME) to choose one");
  return models_dir;
}

}  // namespace easel::models
