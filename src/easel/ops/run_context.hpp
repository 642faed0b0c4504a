#pragma once
// What one run needs besides its steps: the settings its door read (the default diffusion model, the
// segmenter) and the controls the door offers (denoising progress, cancel, previews). The executor hands
// it to every op and region, so nothing below the doors reads the environment or thread-local state.
#include <functional>
#include <string>
#include <vector>

#include "easel/image/image.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {

// Progress, cancellation and previews for the generative steps of a run.
struct GenerationControl {
  // (denoising steps done, steps in the run): 0 when denoising starts, then after each step.
  std::function<void(int, int)> on_step;
  // Polled before each denoising step; true stops the run with GenerationCancelled.
  std::function<bool()> cancelled;
  // Partial images: up to `previews` calls per generation with the current prediction.
  int previews = 0;
  std::function<void(const Image&, int)> on_preview;
};

struct RunContext {
  // The diffusion model of generative steps whose step names none; empty: such a step is an error.
  std::string default_model;
  // How this run's caller names a model, ending the error of a generative step that has none: the CLI
  // says "--model NAME|PATH", the HTTP API "the request's `model` field".
  std::string model_advice = "name a model for the step";
  SegmenterSettings segmenter;
  GenerationControl generation;
  // What the step being run used, for its record: the executor points `used` at it. Null outside the
  // executor.
  struct StepUse {
    std::vector<std::string> models;              // diffusion models, as the step or the run named them
    std::vector<SegmentationNote> segmentations;  // what decided each subject/background mask
  };
  StepUse* used = nullptr;
};

}  // namespace easel
