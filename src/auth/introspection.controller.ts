import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { AcceptsForm, RateLimit, ServiceClient } from '../common/route-policy.js';
import { IntrospectionService } from '../service-clients/introspection.service.js';
import { IntrospectionView, toIntrospectionView } from './views/introspection.view.js';

/** Far longer than any access token of ours; longer ones are refused before any parsing. */
const MAX_TOKEN_LENGTH = 4096;

export class IntrospectionRequest {
  @ApiProperty({ maxLength: MAX_TOKEN_LENGTH, description: 'An access token of this service.' })
  @IsString()
  @MaxLength(MAX_TOKEN_LENGTH)
  token!: string;

  /** RFC 7662 §2.1: a hint only; refresh tokens are never introspected here, so the answer does not depend on it. */
  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'], description: 'Ignored: only access tokens are introspected.' })
  @IsOptional()
  @IsIn(['access_token', 'refresh_token'])
  token_type_hint?: string;
}

/** RFC 7662 token introspection, for services that cannot verify JWTs or need an answer current to the second. */
@ApiTags('services')
@Controller('oauth')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @ApiOperation({ summary: 'RFC 7662 introspection of an access token, current to the second' })
  @ApiOkResponse({ type: IntrospectionView, description: 'An inactive token (expired, forged, revoked, unknown) is `{"active": false}` and nothing else.' })
  @ServiceClient('introspect')
  @RateLimit('service-client')
  @AcceptsForm()
  @Post('introspect')
  @HttpCode(200)
  async introspect(@Body() body: IntrospectionRequest): Promise<IntrospectionView> {
    return toIntrospectionView(await this.introspection.introspect(body.token));
  }
}
