-- wrk script: every write carries DEPTH requests (HTTP/1.1 pipelining).
--   wrk -s bench/wrk_pipeline.lua URL -- DEPTH        (DEPTH defaults to 16)
-- wrk counts each response as a request; it records one latency per batch,
-- from the write to the last response of the batch.
local batch

function init(args)
  local depth = tonumber(args[1]) or 16
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format()
  end
  batch = table.concat(requests)
end

function request()
  return batch
end
