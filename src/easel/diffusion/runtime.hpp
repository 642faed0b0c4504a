#pragma once
// Process-wide LibTorch settings for the engine.

namespace easel::diffusion {

// Sets LibTorch's intra-op thread count to `threads`, or with 0 to the machine's hardware threads (it
// would otherwise use one here), and has glibc keep freed tensor memory for reuse instead of unmapping
// it (process-wide). Never more threads than the OpenMP runtime allows (OMP_THREAD_LIMIT). Idempotent;
// call before the first model runs.
void initialize_runtime(int threads = 0);

// Hands memory that tensors freed back to the system. glibc keeps freed blocks in its per-thread
// arenas (LibTorch's worker threads each have one), which held 0.3–0.6 GB after loading an SD2.1
// model and after its UNet steps; returning it before the VAE decode, whose activations set a
// generation's peak, kept 512×512 SD2.1 generation under 6 GB.
void release_freed_memory();

}  // namespace easel::diffusion
