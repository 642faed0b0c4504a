#pragma once
// Process-wide LibTorch settings for the engine.

namespace easel::diffusion {

// Sets LibTorch's intra-op thread count to the machine's hardware threads (it would otherwise use
// one here). Idempotent; call before the first model runs.
void initialize_runtime();

}  // namespace easel::diffusion
