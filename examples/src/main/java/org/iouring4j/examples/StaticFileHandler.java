package org.iouring4j.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;
import org.iouring4j.examples.StaticFileServer.FileReads;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.transport.UringChunkedFile;
import org.iouring4j.transport.UringLoopFile;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One connection of the {@link StaticFileServer}: answers {@code GET} and {@code HEAD} requests, one at a time in
 * the order they came (pipelined requests wait their turn), with the file under the root that the request's path
 * names.
 *
 * <p>Reading {@link FileReads#LOOP LOOP}ly, every step completes on the connection's event loop: the file is opened
 * ({@code OPENAT}) and its first chunk read before the response head is written, so that a missing file or a
 * directory gets a 404 rather than a broken response. Beside that read, in the same batch, goes a one-byte read just
 * past the chunk: if it finds the end, the file is whole in hand and goes out as one response without asking its
 * size ({@code STATX}, which the kernel always hands to a worker thread: the dearest op of a small file). A larger
 * file has its size asked and the rest sent by a {@link UringChunkedFile}. (A first read of one byte more than a
 * chunk would tell the same, but its odd-sized buffer made Netty's pool create and drop a 4 MiB chunk, zeroed each
 * time, every few requests: measured with perf, 8% of the loop's time.)
 */
final class StaticFileHandler extends ChannelInboundHandlerAdapter {
    /** Pipelined requests kept while one is answered; past this many the connection stops reading for a while. */
    private static final int MAX_WAITING = 64;

    private final Path root;
    private final FileReads reads;
    private final int chunkSize;
    private final ChunkedWriteHandler chunkedWriter;
    private final ArrayDeque<HttpRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean responding;

    StaticFileHandler(Path root, FileReads reads, int chunkSize, ChunkedWriteHandler chunkedWriter) {
        this.root = root;
        this.reads = reads;
        this.chunkSize = chunkSize;
        this.chunkedWriter = chunkedWriter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest) {
                if (responding) {
                    waiting.add((HttpRequest) msg);
                    if (waiting.size() == MAX_WAITING) {
                        ctx.channel().config().setAutoRead(false);
                    }
                } else {
                    respond((HttpRequest) msg);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg); // request bodies are not read; a request head holds no buffer
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void respond(HttpRequest request) {
        responding = true;
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            error(HttpResponseStatus.BAD_REQUEST, false);
            return;
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            error(HttpResponseStatus.METHOD_NOT_ALLOWED, keepAlive);
            return;
        }
        Path path = resolve(root, request.uri());
        if (path == null) {
            error(HttpResponseStatus.NOT_FOUND, keepAlive);
        } else if (reads == FileReads.LOOP) {
            UringLoopFile.open(ctx.channel().eventLoop(), path)
                    .addListener((FutureListener<UringLoopFile>) opened -> loopOpened(opened, path, keepAlive, head));
        } else {
            respondBlocking(path, keepAlive, head);
        }
    }

    private void loopOpened(Future<UringLoopFile> opened, Path path, boolean keepAlive, boolean head) {
        if (!opened.isSuccess()) {
            error(statusFor(opened.cause()), keepAlive);
            return;
        }
        UringLoopFile file = opened.getNow();
        if (!ctx.channel().isActive()) {
            file.close();
            return;
        }
        ByteBuf first = ctx.alloc().directBuffer(chunkSize);
        ByteBuf probe = ctx.alloc().directBuffer(1);
        Future<Integer> read = file.read(first, 0, chunkSize);
        file.read(probe, chunkSize, 1).addListener((FutureListener<Integer>) probed -> {
            probe.release();
            // Only a probe that found the end says the first chunk is the whole file.
            boolean atEnd = probed.isSuccess() && probed.getNow() < 0;
            read.addListener((FutureListener<Integer>) firstRead ->
                    loopFirstRead(firstRead, atEnd, file, first, path, keepAlive, head));
        });
    }

    private void loopFirstRead(Future<Integer> read, boolean atEnd, UringLoopFile file, ByteBuf first, Path path,
                               boolean keepAlive, boolean head) {
        if (!read.isSuccess()) {
            first.release();
            file.close();
            error(statusFor(read.cause()), keepAlive); // EISDIR: the path names a directory
            return;
        }
        if (atEnd || first.writerIndex() < chunkSize) {
            file.close(); // the whole file is in hand
            whole(first, path, keepAlive, head);
            return;
        }
        file.size().addListener((FutureListener<Long>) sized -> loopSized(sized, file, first, path, keepAlive, head));
    }

    private void loopSized(Future<Long> sized, UringLoopFile file, ByteBuf first, Path path, boolean keepAlive,
                           boolean head) {
        if (!sized.isSuccess() || sized.getNow() <= first.readableBytes()) {
            file.close();
            if (sized.isSuccess()) {
                whole(first, path, keepAlive, head);
            } else {
                first.release();
                error(HttpResponseStatus.INTERNAL_SERVER_ERROR, keepAlive);
            }
            return;
        }
        long size = sized.getNow();
        ctx.write(responseHead(path, size, keepAlive));
        if (head) {
            first.release();
            file.close();
            finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
            return;
        }
        int sent = first.readableBytes();
        ctx.write(new DefaultHttpContent(first));
        finish(ctx.writeAndFlush(new HttpChunkedInput(new UringChunkedFile(file, sent, size - sent, chunkSize,
                chunkedWriter))), keepAlive);
    }

    /** A file that fits in one chunk: one response with its bytes. */
    private void whole(ByteBuf content, Path path, boolean keepAlive, boolean head) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : content);
        setHeaders(response, path, content.readableBytes(), keepAlive);
        if (head) {
            content.release();
        }
        finish(ctx.writeAndFlush(response), keepAlive);
    }

    /**
     * The usual way, on any transport: {@code RandomAccessFile} opened on the loop, then a {@code DefaultFileRegion}
     * ({@code sendfile}, or SPLICE on iouring4j) or a {@code ChunkedNioFile} (blocking reads of each chunk).
     */
    private void respondBlocking(Path path, boolean keepAlive, boolean head) {
        RandomAccessFile file;
        long size;
        try {
            file = new RandomAccessFile(path.toFile(), "r");
        } catch (FileNotFoundException e) {
            error(HttpResponseStatus.NOT_FOUND, keepAlive); // also a directory: "(Is a directory)"
            return;
        }
        try {
            size = file.length();
        } catch (IOException e) {
            closeQuietly(file);
            error(HttpResponseStatus.INTERNAL_SERVER_ERROR, keepAlive);
            return;
        }
        ctx.write(responseHead(path, size, keepAlive));
        if (head) {
            closeQuietly(file);
            finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
        } else if (reads == FileReads.REGION) {
            // The region closes the file when released, after its last byte went (or the write failed).
            ctx.write(new DefaultFileRegion(file.getChannel(), 0, size));
            finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
        } else {
            try {
                finish(ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file.getChannel(), 0, size,
                        chunkSize))), keepAlive);
            } catch (IOException e) {
                closeQuietly(file);
                ctx.close();
            }
        }
    }

    private void error(HttpResponseStatus status, boolean keepAlive) {
        ByteBuf body = Unpooled.copiedBuffer(status + "\r\n", CharsetUtil.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        finish(ctx.writeAndFlush(response), keepAlive);
    }

    /** Once the response's last write completed: the next waiting request, or the connection closed. */
    private void finish(ChannelFuture lastWrite, boolean keepAlive) {
        lastWrite.addListener(written -> {
            if (!written.isSuccess() || !keepAlive) {
                ctx.close();
                return;
            }
            responding = false;
            HttpRequest next = waiting.poll();
            if (next != null) {
                if (waiting.size() == MAX_WAITING - 1) {
                    ctx.channel().config().setAutoRead(true);
                }
                respond(next);
            }
        });
    }

    private static HttpResponse responseHead(Path path, long size, boolean keepAlive) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        setHeaders(response, path, size, keepAlive);
        return response;
    }

    private static void setHeaders(HttpResponse response, Path path, long size, boolean keepAlive) {
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType(path))
                .set(HttpHeaderNames.CONTENT_LENGTH, size);
        HttpUtil.setKeepAlive(response, keepAlive);
    }

    /** 404 for what is not there or not a file, 403 for what may not be read, 500 for anything else. */
    private static HttpResponseStatus statusFor(Throwable cause) {
        if (cause instanceof NativeIoException) {
            int errno = ((NativeIoException) cause).errno();
            if (errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.EISDIR) {
                return HttpResponseStatus.NOT_FOUND;
            }
            if (errno == Errno.EACCES || errno == Errno.EPERM) {
                return HttpResponseStatus.FORBIDDEN;
            }
        }
        return HttpResponseStatus.INTERNAL_SERVER_ERROR;
    }

    /**
     * The file a request's path names under {@code root}, or null when it leaves the root or cannot be a path.
     * Purely lexical (no system call): {@code ..} is resolved before the check, a trailing {@code /} means
     * {@code index.html}. Symbolic links inside the root are followed wherever they point.
     */
    static Path resolve(Path root, String uri) {
        String path = new QueryStringDecoder(uri).path(); // decoded, without the query; '+' stays '+' in a path
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            return null;
        }
        if (path.endsWith("/")) {
            path += "index.html";
        }
        try {
            Path resolved = root.resolve(path.substring(1)).normalize();
            return resolved.startsWith(root) && !resolved.equals(root) ? resolved : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static String contentType(Path path) {
        String name = path.getFileName().toString();
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        switch (extension) {
            case "html":
            case "htm":
                return "text/html; charset=UTF-8";
            case "txt":
                return "text/plain; charset=UTF-8";
            case "css":
                return "text/css";
            case "js":
                return "text/javascript";
            case "json":
                return "application/json";
            case "png":
                return "image/png";
            case "jpg":
            case "jpeg":
                return "image/jpeg";
            default:
                return "application/octet-stream";
        }
    }

    private static void closeQuietly(RandomAccessFile file) {
        try {
            file.close();
        } catch (IOException e) {
            // nothing was written through it: nothing to lose
        }
    }
}
