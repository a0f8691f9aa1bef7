-- wrk script: every request is a POST of SIZE bytes to / (the upload case;
-- the servers answer with the body's length).
--   wrk -s bench/wrk_post.lua URL -- SIZE        (SIZE defaults to 65536)
function init(args)
  local size = tonumber(args[1]) or 65536
  wrk.method = "POST"
  wrk.body = string.rep("x", size)
  wrk.headers["Content-Type"] = "application/octet-stream"
end
