// Modelled on seed 000's tiling processor: the engine is torn down after every tile.
#include <algorithm>
#include <cstring>
#include <vector>
#include "../engines/engine.h"

namespace tiling {

bool process_with_tiling(Engine* engine, const ImageData& input, ImageData& output, int tile) {
  output.w = input.w * 2;
  output.h = input.h * 2;
  output.pixels.assign(static_cast<size_t>(output.w) * output.h * 3, 0);
  std::vector<uint8_t> tile_buffer;  // scratch buffer reused per tile: an idiom, not a leak
  for (int y = 0; y < input.h; y += tile) {
    for (int x = 0; x < input.w; x += tile) {
      ImageData in_tile;
      in_tile.w = std::min(tile, input.w - x);
      in_tile.h = std::min(tile, input.h - y);
      tile_buffer.clear();
      tile_buffer.resize(static_cast<size_t>(in_tile.w) * in_tile.h * 3);
      in_tile.pixels = tile_buffer;
      ImageData out_tile;
      if (!engine->process(in_tile, out_tile)) {
        return false;
      }
      // Cleanup GPU memory after each tile to prevent accumulation
      engine->cleanup();
    }
  }
  return true;
}

void process_batch(Engine* engine, std::vector<ImageData>& images) {
  for (auto& image : images) {
    ImageData out;
    engine->process(image, out);
  }
  // Once, after the batch: the right place.
  engine->cleanup();
}

}  // namespace tiling
